/** One step of a field path: a property name or an array index. */
export type PathSegment = string | number;

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Names that must never be read or written as keys (prototype access). */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN.has(key);
}

/**
 * Parses `a.b[0].c` into `['a', 'b', 0, 'c']`. Names are any characters but `.`, `[` and `]`;
 * indices are non-negative integers. Returns a message instead when the path is invalid.
 */
export function parseFieldPath(path: string): PathSegment[] | { error: string } {
  if (typeof path !== 'string' || path.trim() === '') return { error: 'must be a non-empty path such as "customer.address[0].city"' };
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const close = path.indexOf(']', i);
      const digits = close < 0 ? '' : path.slice(i + 1, close);
      if (!/^\d+$/.test(digits)) return { error: `invalid index at character ${i + 1} of "${path}" (use [0], [1], ...)` };
      segments.push(Number(digits));
      i = close + 1;
      expectName = false;
      if (i < path.length && path[i] !== '.' && path[i] !== '[') return { error: `expected "." or "[" at character ${i + 1} of "${path}"` };
      continue;
    }
    if (c === '.') {
      if (expectName) return { error: `empty name at character ${i + 1} of "${path}"` };
      i++;
      expectName = true;
      if (i === path.length) return { error: `"${path}" ends with "."` };
      continue;
    }
    if (c === ']') return { error: `unexpected "]" at character ${i + 1} of "${path}"` };
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[' && path[end] !== ']') end++;
    const name = path.slice(i, end);
    if (FORBIDDEN.has(name)) return { error: `"${name}" is not allowed in a path (no prototype access)` };
    segments.push(name);
    i = end;
    expectName = false;
  }
  return segments;
}

/** Follows own properties and in-range indices only; `found: false` when any step is missing. */
export function lookupPath(
  value: unknown,
  segments: readonly PathSegment[],
): { found: true; value: unknown } | { found: false; at: number } {
  let current = value;
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    if (typeof seg === 'number') {
      if (!Array.isArray(current) || seg >= current.length) return { found: false, at: k };
      current = current[seg];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, seg))
        return { found: false, at: k };
      current = (current as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: current };
}
