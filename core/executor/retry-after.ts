/**
 * Parses an HTTP `Retry-After` value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) into
 * milliseconds from `now`. Returns `undefined` when absent or unparseable, so the retry policy's
 * own backoff applies; a date in the past yields 0.
 */
export function parseRetryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  // Servers in the wild send fractional seconds ("1.5"); accept them rather than fall back.
  if (/^\d+(\.\d+)?$/.test(v)) {
    const ms = Math.round(Number(v) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  // All three HTTP-date forms start with a day name; without that check V8 would read "-1" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
