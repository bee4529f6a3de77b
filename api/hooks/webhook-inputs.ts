import { ValidationError } from '../../core/index';
import { UnsupportedMediaTypeError } from '../errors/api-errors';
import { FORBIDDEN_KEYS, parseJson } from '../middleware/body.middleware';

/** Body media types a webhook accepts. */
export const HOOK_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'] as const;

/** The media type of a `Content-Type` header, lowercased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Throws 415 unless the body's media type is one a webhook parses (JSON, `+json`, urlencoded, text/plain). */
export function assertHookMediaType(contentType: string | undefined): void {
  const type = mediaType(contentType);
  if (!(HOOK_MEDIA_TYPES as readonly string[]).includes(type) && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new UnsupportedMediaTypeError(
      `webhook bodies must be ${HOOK_MEDIA_TYPES.join(', ')} (got ${type.slice(0, 100) || 'no Content-Type'})`,
    );
  }
}

/**
 * The parsed body: JSON (prototype keys refused, as for the API); a form as an object of strings,
 * a repeated key as an array, no nesting; `text/plain` as the raw string; an empty body as null.
 */
export function parseHookBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const type = mediaType(contentType);
  if (type === 'text/plain') return raw;
  if (type === 'application/x-www-form-urlencoded') return pairsToObject(new URLSearchParams(raw), 'body');
  return parseJson(raw);
}

/** Query parameters (or form fields) as an object of strings and arrays of strings. */
export function pairsToObject(pairs: Iterable<[string, string]>, where: 'body' | 'query'): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of pairs) {
    if (FORBIDDEN_KEYS.has(key)) {
      const message = `the key "${key}" is not allowed in a webhook ${where}`;
      throw new ValidationError(message, { details: [{ path: where, message }] });
    }
    const prior = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/** The headers a trigger passes on: `content-type` and those it lists, names lowercased. */
export function pickHeaders(
  headers: Record<string, string | string[] | undefined>,
  listed: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', ...listed.map((h) => h.toLowerCase())]) {
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
