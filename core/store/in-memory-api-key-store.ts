import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, ConflictError, ValidationError } from '../errors/weft-error';
import type { ApiKeyRecord, ApiKeyRole, ApiKeyStore } from './api-key-store';

/** The roles an API key can have. */
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'operator', 'viewer'];

/** Generated keys: `weft_<16 hex id>_<43 base64url chars: 32 random bytes>`. */
const GENERATED_KEY = /^weft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Shortest key accepted as a given (`plainKey`, the bootstrap `WEFT_ADMIN_KEY`). */
export const MIN_PLAIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 1024;

/**
 * SHA-256 in hex. Generated secrets carry 256 random bits, so a fast hash is enough (no slow KDF:
 * nobody can brute-force 2^256 candidates, and verification runs on every request). A given
 * bootstrap key is hashed the same way: deployments must give it a high-entropy value.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A new random key: its id (stored), secret hash (stored) and the full key (shown once). */
export function newApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `weft_${id}_${secret}`, hash: sha256Hex(secret) };
}

/** The id and secret of a generated key, or null when the string is not one. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const m = GENERATED_KEY.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** Checks `create` arguments; ValidationError naming the bad one. */
export function checkApiKeyOptions(role: unknown, options: { name?: string; plainKey?: string }): void {
  if (!API_KEY_ROLES.includes(role as ApiKeyRole)) {
    throw new ValidationError(`role must be one of ${API_KEY_ROLES.join(', ')}`, { details: [{ path: 'role', message: 'unknown role' }] });
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length > 200)) {
    throw new ValidationError('key name must be a string of at most 200 characters', { details: [{ path: 'name', message: 'invalid' }] });
  }
  const p = options.plainKey;
  if (p !== undefined && (typeof p !== 'string' || p.length < MIN_PLAIN_KEY_LENGTH || p.length > MAX_KEY_LENGTH || /\s/.test(p))) {
    throw new ValidationError(`a given API key must be ${MIN_PLAIN_KEY_LENGTH}-${MAX_KEY_LENGTH} characters without spaces`, {
      details: [{ path: 'plainKey', message: 'too short, too long or has spaces' }],
    });
  }
}

/** Whether a presented key is worth a lookup at all. */
export function plausibleKey(key: unknown): key is string {
  return typeof key === 'string' && key.length >= MIN_PLAIN_KEY_LENGTH && key.length <= MAX_KEY_LENGTH;
}

interface StoredKey {
  record: ApiKeyRecord;
  hash: string;
  scheme: 'generated' | 'plain';
  revoked: boolean;
}

/** The in-memory {@link ApiKeyStore} (tests, and processes without a database); same rules as the SQL one. */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, StoredKey>();

  async create(role: ApiKeyRole, options: { name?: string; plainKey?: string } = {}): Promise<{ key: string; record: ApiKeyRecord }> {
    checkApiKeyOptions(role, options);
    const record = (id: string): ApiKeyRecord => ({ id, role, name: options.name ?? null, createdAt: new Date().toISOString() });
    if (options.plainKey !== undefined) {
      const hash = sha256Hex(options.plainKey);
      if ([...this.keys.values()].some((k) => k.hash === hash)) throw new ConflictError('this API key already exists');
      const stored: StoredKey = { record: record(randomBytes(8).toString('hex')), hash, scheme: 'plain', revoked: false };
      this.keys.set(stored.record.id, stored);
      return { key: options.plainKey, record: { ...stored.record } };
    }
    const k = newApiKey();
    const stored: StoredKey = { record: record(k.id), hash: k.hash, scheme: 'generated', revoked: false };
    this.keys.set(k.id, stored);
    return { key: k.key, record: { ...stored.record } };
  }

  async verify(plainKey: string): Promise<ApiKeyRecord | null> {
    if (!plausibleKey(plainKey)) return null;
    const parsed = parseApiKey(plainKey);
    if (parsed) {
      const k = this.keys.get(parsed.id);
      if (k && k.scheme === 'generated' && !k.revoked && digestsEqual(k.hash, sha256Hex(parsed.secret))) return { ...k.record };
    }
    const hash = sha256Hex(plainKey);
    for (const k of this.keys.values()) {
      if (k.scheme === 'plain' && !k.revoked && digestsEqual(k.hash, hash)) return { ...k.record };
    }
    return null;
  }

  /** Every key ever created, revoked ones included (so a revoked bootstrap key is not re-created). */
  async count(): Promise<number> {
    return this.keys.size;
  }

  async revoke(id: string): Promise<void> {
    const k = this.keys.get(id);
    if (!k) throw new NotFoundError(`API key ${String(id).slice(0, 40)} not found`);
    k.revoked = true;
  }
}
