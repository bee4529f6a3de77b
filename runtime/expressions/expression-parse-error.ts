import type { ExpressionError } from '../../core/errors/weft-error';
import type { ScannedToken } from './expression-scanner';
import { expressionError } from './expression-tree';

const POSITIONED = /^parse error \[(\d+):(\d+)\]: (.*)$/s;
const TOKEN_NAMES: Record<string, string> = { TNAME: 'a name', EOF: 'the end of the expression', TEOF: 'the end of the expression' };

/**
 * Turns one of expr-eval's parse errors into an `ExpressionError` that names the character
 * where the problem is. expr-eval gives `[line:column]` for lexer errors and for failed
 * `expect`s (the column just after the offending token); for its other errors
 * (`unexpected TOP: >`) the position is found by bisecting prefixes of the source — the parser
 * reads left to right with one token of lookahead, so the shortest prefix that fails the same
 * way ends at the culprit. Only runs on the error path.
 */
export function toPositionedParseError(
  err: unknown,
  source: string,
  tokens: readonly ScannedToken[],
  parse: (s: string) => unknown,
): ExpressionError {
  const raw = err instanceof Error ? err.message : String(err);
  const m = POSITIONED.exec(raw);
  if (m) {
    const offset = lineStart(source, Number(m[1])) + Number(m[2]) - 1;
    const msg = m[3]!;
    if (msg.startsWith('Unknown character')) {
      const ch = source[offset];
      if (ch === '=') return expressionError('assignment and function definition ("=") are not allowed; use == to compare', source, offset);
      if (ch === '"' || ch === "'") return expressionError('unterminated string', source, offset);
      if (ch === '!') return expressionError('"!" is not allowed; use "not" for negation or "!=" to compare', source, offset);
      return expressionError(`unexpected character ${JSON.stringify(ch)}`, source, offset);
    }
    if (msg.startsWith('Expected ')) {
      const wanted = msg.slice('Expected '.length);
      const wantedText = TOKEN_NAMES[wanted] ?? `"${wanted}"`;
      // The lexer sits just past the lookahead token; trailing whitespace tells EOF apart.
      if (atEnd(source, offset, parse, raw))
        return expressionError(`expected ${wantedText} but the expression ended`, source, source.length);
      const culprit = tokens.find((t) => t.end === offset);
      return culprit
        ? expressionError(`expected ${wantedText} but found ${JSON.stringify(culprit.text)}`, source, culprit.start)
        : expressionError(`expected ${wantedText}`, source, offset);
    }
    return expressionError(msg, source, Math.min(offset, source.length));
  }
  if (/^unexpected TEOF/.test(raw)) return expressionError('unexpected end of expression', source, source.length);
  const where = bisect(source, raw, parse);
  const unexpected = /^unexpected T[A-Z]+: (.*)$/s.exec(raw);
  if (unexpected) {
    const culprit = where === undefined ? undefined : tokens.find((t) => t.end === where);
    return expressionError(
      `unexpected ${JSON.stringify(unexpected[1])}`,
      source,
      culprit ? culprit.start : where === undefined ? undefined : where - unexpected[1]!.length,
    );
  }
  return expressionError(raw, source, where === undefined ? undefined : where - 1);
}

function lineStart(source: string, line: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start);
    if (nl < 0) break;
    start = nl + 1;
  }
  return start;
}

function atEnd(source: string, offset: number, parse: (s: string) => unknown, raw: string): boolean {
  if (offset < source.length) return false;
  // With one more space, an EOF lookahead moves the column; a real last token does not.
  try {
    parse(`${source} `);
    return false;
  } catch (e) {
    const again = POSITIONED.exec((e as Error).message);
    const before = POSITIONED.exec(raw);
    return !!again && !!before && again[3] === before[3] && Number(again[2]) !== Number(before[2]);
  }
}

/** Shortest prefix length whose parse fails with the same message, or undefined. */
function bisect(source: string, raw: string, parse: (s: string) => unknown): number | undefined {
  const failsSame = (len: number): boolean => {
    try {
      parse(source.slice(0, len));
      return false;
    } catch (e) {
      return (e as Error).message === raw;
    }
  };
  let lo = 1;
  let hi = source.length;
  if (!failsSame(hi)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (failsSame(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
