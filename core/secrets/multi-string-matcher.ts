/** A match: `text.slice(start, end)` equals needle number `needle`. */
export interface StringMatch {
  start: number;
  end: number;
  needle: number;
}

/**
 * Finds many fixed strings in one pass over a text (Wu–Manber): a window as long as the shortest
 * needle slides over the text, and a table keyed by the window's last few characters says how far
 * it may jump without passing over the start of any needle. Most of a text is skipped that way,
 * so a megabyte costs tens of thousands of table look-ups rather than one regular-expression
 * attempt per character. Matches are leftmost, and at one position the longest needle wins;
 * found matches do not overlap (searching resumes after a match's end), which is what
 * `String.prototype.replace` with a longest-first alternation does.
 *
 * Needles and texts are compared by UTF-16 code unit, never by grapheme: a secret followed by a
 * combining mark is still found.
 *
 * Worst case: a text that repeats a long prefix of a needle costs up to (text length × needle
 * length) comparisons, as the backtracking regular expression this replaces did; real secret
 * values are random and do not hit it.
 */
export class MultiStringMatcher {
  readonly shortest: number;
  readonly longest: number;
  private readonly needles: readonly string[];
  /** The window: the first `window` characters of every needle take part in the shift table. */
  private readonly window: number;
  /** Characters hashed at the window's end. */
  private readonly block: number;
  private readonly shift: Uint8Array;
  /** hash of the window's last block → needles whose window ends with it, longest first */
  private readonly candidates = new Map<number, number[]>();

  constructor(needles: readonly string[]) {
    if (needles.length === 0) throw new RangeError('MultiStringMatcher needs at least one needle');
    this.needles = [...needles];
    let shortest = Infinity;
    let longest = 0;
    for (const n of this.needles) {
      if (n.length === 0) throw new RangeError('MultiStringMatcher needles must not be empty');
      shortest = Math.min(shortest, n.length);
      longest = Math.max(longest, n.length);
    }
    this.shortest = shortest;
    this.longest = longest;
    // a longer window jumps further but fills the table with more blocks; 32 is past the point of
    // diminishing returns for a few dozen needles, and keeps every shift within a byte
    const m = Math.min(shortest, MAX_WINDOW);
    // three characters tell the blocks of a few dozen random needles apart almost always; shorter
    // windows need a shorter block or no jump would be possible
    const b = m >= 6 ? 3 : m >= 3 ? 2 : 1;
    this.window = m;
    this.block = b;
    this.shift = new Uint8Array(TABLE_SIZE).fill(m - b + 1);
    for (let i = 0; i < this.needles.length; i++) {
      const n = this.needles[i]!;
      for (let q = b - 1; q < m; q++) {
        const h = hashAt(n, q, b);
        const s = m - 1 - q;
        if (s < this.shift[h]!) this.shift[h] = s;
      }
      const h = hashAt(n, m - 1, b);
      const list = this.candidates.get(h);
      if (list) list.push(i);
      else this.candidates.set(h, [i]);
    }
    for (const list of this.candidates.values()) {
      // longest first decides between needles that start at one position; the stable sort keeps
      // the first of two equal needles
      list.sort((x, y) => this.needles[y]!.length - this.needles[x]!.length);
    }
  }

  /** The first match starting at or after `from` (leftmost; the longest needle there), or null. */
  find(text: string, from = 0): StringMatch | null {
    const m = this.window;
    const b = this.block;
    const shift = this.shift;
    const n = text.length;
    let pos = from + m - 1;
    while (pos < n) {
      const h = hashAt(text, pos, b);
      const s = shift[h]!;
      if (s !== 0) {
        pos += s;
        continue;
      }
      const start = pos - m + 1;
      const first = text.charCodeAt(start);
      for (const i of this.candidates.get(h)!) {
        const needle = this.needles[i]!;
        if (needle.charCodeAt(0) === first && text.startsWith(needle, start)) return { start, end: start + needle.length, needle: i };
      }
      pos += 1;
    }
    return null;
  }

  /** True when any needle occurs in `text`. */
  test(text: string): boolean {
    return text.length >= this.shortest && this.find(text) !== null;
  }

  /**
   * `text` with every match replaced by `replacement(needle)`, in one pass; the same string
   * (no copy) when nothing matched.
   */
  replace(text: string, replacement: (needle: number) => string): string {
    if (text.length < this.shortest) return text;
    let m = this.find(text, 0);
    if (m === null) return text;
    let out = '';
    let last = 0;
    while (m !== null) {
      out += text.slice(last, m.start) + replacement(m.needle);
      last = m.end;
      m = this.find(text, last);
    }
    return out + text.slice(last);
  }
}

const MAX_WINDOW = 32;
const TABLE_BITS = 15;
const TABLE_SIZE = 1 << TABLE_BITS;

/** Hash of the `b` code units of `s` that end at index `end` (inclusive). */
function hashAt(s: string, end: number, b: number): number {
  let h = s.charCodeAt(end);
  if (b > 1) h = Math.imul(h, 0x9e3779b1) ^ s.charCodeAt(end - 1);
  if (b > 2) h = Math.imul(h, 0x85ebca77) ^ s.charCodeAt(end - 2);
  return Math.imul(h, 0xc2b2ae35) >>> (32 - TABLE_BITS);
}
