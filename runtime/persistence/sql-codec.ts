import { PersistenceError } from '../../core/errors/weft-error';
import { msOfIso } from '../../core/services/iso-time';

/**
 * Conversions between the execution document and rows. Times are epoch-ms bigints in both
 * dialects (PostgreSQL's driver hands bigints back as strings, SQLite as numbers); payloads are
 * JSON text.
 */
export function isoToMs(iso: string, what: string): number {
  const ms = msOfIso(iso);
  if (!Number.isFinite(ms)) throw new PersistenceError(`${what} is not a date: ${String(iso).slice(0, 40)}`);
  return ms;
}

export function optIsoToMs(iso: string | null | undefined, what: string): number | null {
  return iso === null || iso === undefined ? null : isoToMs(iso, what);
}

export function msToIso(value: unknown): string | null {
  return value === null || value === undefined ? null : new Date(Number(value)).toISOString();
}

export function toNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** JSON text of a value; `undefined` (no value) is stored as SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T = unknown>(text: unknown): T | null {
  return text === null || text === undefined ? null : (JSON.parse(String(text)) as T);
}

/** A connection string with its password replaced, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** Text (an error message) with any `scheme://user:password@` password replaced. */
export function redactPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
}

/** Whether a driver error is a unique-constraint violation (SQLite and PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; name?: string } | null;
  return (
    !!e &&
    (e.code === '23505' ||
      e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      e.name === 'UniqueConstraintViolationException')
  );
}
