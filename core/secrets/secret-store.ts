import { ValidationError } from '../errors/weft-error';

/** Secret names (DESIGN.md): an upper-case letter, then up to 63 upper-case letters, digits or `_`. */
export const SECRET_NAME_PATTERN = '^[A-Z][A-Z0-9_]{0,63}$';
const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN);
/** Values are 8 bytes to 64 KiB (UTF-8): shorter ones would redact ordinary text everywhere. */
export const MIN_SECRET_BYTES = 8;
export const MAX_SECRET_BYTES = 64 * 1024;

/** What listing shows of a secret: never its value. */
export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** Named secret values, kept encrypted by the persistent implementation. No route ever returns a value. */
export interface SecretStore {
  /** Creates or replaces a secret (a new value applies to nodes that start afterwards). */
  set(name: string, value: string): Promise<void>;
  /** The value, or null when there is no such secret. */
  get(name: string): Promise<string | null>;
  has(name: string): Promise<boolean>;
  /** Names and timestamps, by name. */
  list(): Promise<SecretInfo[]>;
  /** False when there was no such secret. */
  delete(name: string): Promise<boolean>;
}

export function isSecretName(name: unknown): name is string {
  return typeof name === 'string' && SECRET_NAME.test(name);
}

/** Throws a `ValidationError` at `path` for a bad name or value (the value itself is never quoted). */
export function checkSecret(name: string, value: string, path = 'value'): void {
  if (!isSecretName(name)) {
    throw new ValidationError(`secret name must match ${SECRET_NAME_PATTERN}`, {
      details: [{ path: 'params.name', message: `must match ${SECRET_NAME_PATTERN}` }],
    });
  }
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : -1;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    const message = `a secret value must be ${MIN_SECRET_BYTES} bytes to ${MAX_SECRET_BYTES} bytes of UTF-8 text`;
    throw new ValidationError(message, { details: [{ path, message }] });
  }
}
