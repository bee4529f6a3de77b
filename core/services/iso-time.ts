let lastMs = Number.NaN;
let lastIso = '';
let lastParsedIso = '';
let lastParsedMs = Number.NaN;

/**
 * `new Date(ms).toISOString()`, remembering the last one: the executor stamps several fields per
 * node (start, finish, events) and nodes run many to a millisecond, so most calls repeat the
 * previous instant and a cached string saves a Date and its formatting each.
 */
export function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** `Date.parse(iso)`, remembering the last one (the store turns the same stamps back into ms). */
export function msOfIso(iso: string): number {
  if (iso !== lastParsedIso) {
    lastParsedMs = Date.parse(iso);
    lastParsedIso = iso;
  }
  return lastParsedMs;
}
