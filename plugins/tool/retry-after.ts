/**
 * Parses an HTTP `Retry-After` value (delay in seconds, or an HTTP date) into milliseconds from
 * `now`. Returns undefined when absent or unparseable: a bad header must not break the retry.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const ms = Math.round(Number(v) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  // HTTP dates always spell the month; without that check Date.parse takes "-5" for a year.
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  // A date in the past means "now", not a negative delay.
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
