/** One lexical token of an expression, with its 0-based `[start, end)` range. */
export interface ScannedToken {
  kind: 'name' | 'number' | 'string' | 'const' | 'keyword' | 'punct' | 'unknown';
  text: string;
  start: number;
  end: number;
}

/** Words expr-eval lexes as operators or constants rather than names (with our parser options). */
const KEYWORDS = new Set(['and', 'or', 'not', 'in']);
const CONSTS = new Set(['true', 'false']);
const TWO_CHAR_OPS = new Set(['>=', '<=', '==', '!=', '||']);

/**
 * A lexer that mirrors expr-eval's tokenizer closely enough to locate things in the source:
 * operand positions for error messages and bracket nesting for the depth cap. It is never the
 * security boundary — the checks run on the instructions the real parser produced.
 */
export function scanExpression(source: string): ScannedToken[] {
  const tokens: ScannedToken[] = [];
  let pos = 0;
  const n = source.length;
  while (pos < n) {
    const c = source[pos]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      pos++;
      continue;
    }
    if (c === '/' && source[pos + 1] === '*') {
      const close = source.indexOf('*/', pos + 2);
      pos = close < 0 ? n : close + 2;
      continue;
    }
    const start = pos;
    if (c === '"' || c === "'") {
      pos = endOfString(source, pos);
      tokens.push({ kind: pos < 0 ? 'unknown' : 'string', text: source.slice(start, pos < 0 ? n : pos), start, end: pos < 0 ? n : pos });
      if (pos < 0) break;
      continue;
    }
    const numberEnd = endOfNumber(source, pos);
    if (numberEnd > pos) {
      tokens.push({ kind: 'number', text: source.slice(start, numberEnd), start, end: numberEnd });
      pos = numberEnd;
      continue;
    }
    if (isLetter(c) || c === '_' || c === '$') {
      pos++;
      while (pos < n && (isLetter(source[pos]) || isDigit(source[pos]) || source[pos] === '_')) pos++;
      const text = source.slice(start, pos);
      // expr-eval reads `true.x` as a name followed by a member, `true` alone as a constant.
      const kind = KEYWORDS.has(text) ? 'keyword' : CONSTS.has(text) && source[pos] !== '.' ? 'const' : 'name';
      tokens.push({ kind, text, start, end: pos });
      continue;
    }
    const two = source.slice(pos, pos + 2);
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ kind: 'punct', text: two, start, end: pos + 2 });
      pos += 2;
      continue;
    }
    tokens.push({ kind: '()[],.+-*/%^?:<>!=;'.includes(c) ? 'punct' : 'unknown', text: c, start, end: pos + 1 });
    pos++;
  }
  return tokens;
}

/** Deepest nesting of `(` and `[`, and where it first went past `limit` (0-based), in one linear pass. */
export function maxBracketNesting(tokens: readonly ScannedToken[], limit: number): { depth: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = -1;
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[') {
      depth++;
      if (depth > max) max = depth;
      if (depth > limit && at < 0) at = t.start;
    } else if ((t.text === ')' || t.text === ']') && depth > 0) depth--;
  }
  return { depth: max, at };
}

/** Tokens that become operand instructions (IVAR, IMEMBER, INUMBER), in source order. */
export function operandTokens(tokens: readonly ScannedToken[]): ScannedToken[] {
  return tokens.filter((t) => t.kind === 'name' || t.kind === 'number' || t.kind === 'string' || t.kind === 'const');
}

function endOfString(source: string, start: number): number {
  const quote = source[start]!;
  // expr-eval ends a string at the first matching quote not preceded by a backslash.
  let index = source.indexOf(quote, start + 1);
  while (index >= 0) {
    if (source[index - 1] !== '\\') return index + 1;
    index = source.indexOf(quote, index + 1);
  }
  return -1;
}

function endOfNumber(source: string, start: number): number {
  let pos = start;
  if (source[pos] === '0' && (source[pos + 1] === 'x' || source[pos + 1] === 'b') && pos < source.length - 2) {
    const digit = source[pos + 1] === 'x' ? /[0-9a-f]/i : /[01]/;
    let p = pos + 2;
    while (p < source.length && digit.test(source[p]!)) p++;
    if (p > pos + 2) return p;
  }
  let sawDigit = false;
  let sawDot = false;
  while (pos < source.length) {
    const c = source[pos];
    if (isDigit(c)) sawDigit = true;
    else if (c === '.' && !sawDot) sawDot = true;
    else break;
    pos++;
  }
  if (!sawDigit) return start;
  if (source[pos] === 'e' || source[pos] === 'E') {
    let p = pos + 1;
    if (source[p] === '+' || source[p] === '-') p++;
    const digitsFrom = p;
    while (p < source.length && isDigit(source[p])) p++;
    if (p > digitsFrom) pos = p;
  }
  return pos;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && c.toUpperCase() !== c.toLowerCase();
}
