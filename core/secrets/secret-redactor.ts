import { MultiStringMatcher } from './multi-string-matcher';

/** How a redacted value reads: `[secret:NAME]`. */
export function secretMarker(name: string): string {
  return `[secret:${name}]`;
}

/**
 * Replaces secret values in text and in JSON-like data with `[secret:NAME]`. Besides the value
 * itself it catches the forms a value takes when it travels: JSON-escaped (inside a JSON string
 * or a serialised body), URL-encoded (query strings, form bodies), and base64 / base64url at any
 * byte alignment (HTTP Basic auth encodes `user:password`, so the password's base64 depends on
 * where it starts). All forms of all values are found in one pass over each string (leftmost,
 * longest form first at a position), so a value that contains another secret's value is
 * replaced as a whole.
 */
export class SecretRedactor {
  /** form → secret name */
  private readonly forms = new Map<string, string>();
  /** the forms' markers, by the matcher's needle index */
  private markers: string[] = [];
  private matcher: MultiStringMatcher | null = null;
  private readonly marker = (needle: number): string => this.markers[needle]!;

  /** True once any value was added (until then every method returns its input). */
  get active(): boolean {
    return this.forms.size > 0;
  }

  /** Length of the longest form less one: what a streamed text must hold back. */
  get holdBack(): number {
    return this.matcher === null ? 0 : this.matcher.longest - 1;
  }

  add(name: string, value: string): void {
    if (value.length === 0) return;
    let added = false;
    for (const form of formsOf(value)) {
      // the marker is ASCII and never contains a value of 8+ bytes, so replacing is idempotent
      if (form.length < 4 || this.forms.has(form)) continue;
      this.forms.set(form, name);
      added = true;
    }
    if (!added) return;
    const forms = [...this.forms.keys()];
    this.markers = forms.map((f) => secretMarker(this.forms.get(f)!));
    this.matcher = new MultiStringMatcher(forms);
  }

  /** `text` with every form of every value replaced. */
  redactText(text: string): string {
    const matcher = this.matcher;
    // shorter than the shortest form: nothing to find (most keys and small values)
    if (matcher === null || text.length < matcher.shortest) return text;
    return matcher.replace(text, this.marker);
  }

  /** A copy of JSON-like data with every string (keys included) redacted; unchanged parts are shared. */
  redact<T>(value: T): T {
    if (this.matcher === null) return value;
    return this.walk(value, 0) as T;
  }

  /**
   * Redacts a text that arrives in chunks (streamed tokens): a value split across chunks is still
   * caught, because the tail that could start a value is held back until the next chunk or `end`.
   */
  stream(): { push(chunk: string): string; end(): string } {
    let pending = '';
    return {
      push: (chunk) => {
        pending += chunk;
        const matcher = this.matcher;
        if (matcher === null) {
          const out = pending;
          pending = '';
          return out;
        }
        let cut = pending.length - this.holdBack;
        if (cut <= 0) return '';
        // a value that starts before the cut ends within `pending` (it is at most holdBack + 1
        // long), so it is found here: emit up to it, and cut before it rather than through it
        let out = '';
        let last = 0;
        for (let m = matcher.find(pending, 0); m !== null && m.start < cut; m = matcher.find(pending, last)) {
          if (m.end > cut) {
            cut = m.start;
            break;
          }
          out += pending.slice(last, m.start) + this.markers[m.needle]!;
          last = m.end;
        }
        out += pending.slice(last, cut);
        pending = pending.slice(cut);
        return out;
      },
      end: () => {
        const out = this.redactText(pending);
        pending = '';
        return out;
      },
    };
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    // deeper than any real payload: redact it as text rather than recurse without bound
    if (depth > MAX_DEPTH) return this.redactText(safeStringify(value));
    if (Array.isArray(value)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const v = this.walk(value[i], depth + 1);
        if (v !== value[i]) (out ??= value.slice())[i] = v;
      }
      return out ?? value;
    }
    // nothing is allocated until something changes: most outputs hold no secret at all
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    let copy: Record<string, unknown> | null = null;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = obj[k];
      const rk = this.redactText(k);
      const rv = this.walk(v, depth + 1);
      if (copy === null && (rk !== k || rv !== v)) {
        copy = {};
        for (let j = 0; j < i; j++) defineData(copy, keys[j]!, obj[keys[j]!]);
      }
      if (copy !== null) defineData(copy, rk, rv);
    }
    return copy ?? value;
  }
}

/** defineProperty: a "__proto__" key stays a plain data key. */
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const MAX_DEPTH = 1_000;

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unserialisable]';
  }
}

/** The forms a value takes on its way out of the process. */
function formsOf(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(encodeURIComponent(value));
  forms.add(encodeURIComponent(value).replace(/%20/g, '+'));
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const core = base64Core(bytes, offset);
    if (core) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

/**
 * The base64 characters that depend only on `bytes` when they start `offset` bytes into a 3-byte
 * group: whole groups only (the partial groups at either end also depend on the neighbours).
 */
function base64Core(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const start = offset === 0 ? 0 : 4;
  const end = Math.floor((offset + bytes.length) / 3) * 4;
  return end - start >= 8 ? encoded.slice(start, end) : '';
}
