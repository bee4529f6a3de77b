import { ValidationError } from '../../core/index';

/** A comma-separated query value checked against its allowlist (400 at `query.<field>` naming the unknown values). */
export function allowlisted(raw: string | undefined, allowed: readonly string[], field: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const parts = [...new Set(raw.split(','))];
  const unknown = parts.filter((s) => !allowed.includes(s));
  if (unknown.length) {
    const message = `unknown ${field} ${unknown.map((s) => `"${s}"`).join(', ')}; expected ${allowed.join(', ')}`;
    throw new ValidationError(message, { details: [{ path: `query.${field}`, message }] });
  }
  return parts;
}

/**
 * A `from`/`to` query value as UTC ISO text. The schema's format check accepts what `Date` cannot
 * represent (a leap second, `2016-12-31T23:59:60Z`): that is the caller's mistake (400), not ours.
 */
export function queryDate(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new ValidationError(`${path} is not a date this server can represent: "${value.slice(0, 60)}"`, {
      details: [{ path, message: 'not a representable date-time (leap seconds and out-of-range dates are refused)' }],
    });
  }
  return new Date(ms).toISOString();
}
