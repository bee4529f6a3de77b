import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../../core/errors/weft-error';
import type { ApiKeyRecord, ApiKeyRole, ApiKeyStore } from '../../core/store/api-key-store';
import {
  checkApiKeyOptions,
  digestsEqual,
  newApiKey,
  parseApiKey,
  plausibleKey,
  sha256Hex,
} from '../../core/store/in-memory-api-key-store';
import { ApiKeyEntity, type ApiKeyRow } from './entities/api-key.entity';
import { isUniqueViolation, msToIso } from './sql-codec';

/**
 * The {@link ApiKeyStore} on SQLite or PostgreSQL (through the EntityManager: a handful of rows).
 * Generated keys `weft_<id>_<secret>` are found by id and checked with a constant-time comparison
 * of SHA-256 digests; a given key (the bootstrap `WEFT_ADMIN_KEY`, any string of 16+ characters)
 * is stored as the SHA-256 of the whole string and found by that digest.
 */
export class SqlApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly now: () => number = Date.now,
  ) {}

  async create(role: ApiKeyRole, options: { name?: string; plainKey?: string } = {}): Promise<{ key: string; record: ApiKeyRecord }> {
    checkApiKeyOptions(role, options);
    const generated = options.plainKey === undefined ? newApiKey() : null;
    const row: ApiKeyRow = {
      id: generated ? generated.id : randomBytes(8).toString('hex'),
      role,
      name: options.name ?? null,
      hash: generated ? generated.hash : sha256Hex(options.plainKey!),
      scheme: generated ? 'generated' : 'plain',
      createdAt: this.now(),
      revokedAt: null,
    };
    try {
      await this.orm.em.fork().insert(ApiKeyEntity, row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('this API key already exists');
      throw err;
    }
    return { key: generated ? generated.key : options.plainKey!, record: toRecord(row) };
  }

  async verify(plainKey: string): Promise<ApiKeyRecord | null> {
    if (!plausibleKey(plainKey)) return null;
    const em = this.orm.em.fork();
    const parsed = parseApiKey(plainKey);
    if (parsed) {
      const row = await em.findOne(ApiKeyEntity, { id: parsed.id }, { disableIdentityMap: true });
      if (row && row.scheme === 'generated' && row.revokedAt === null && digestsEqual(row.hash, sha256Hex(parsed.secret))) {
        return toRecord(row);
      }
    }
    const hash = sha256Hex(plainKey);
    const row = await em.findOne(ApiKeyEntity, { hash, scheme: 'plain' }, { disableIdentityMap: true });
    return row && row.revokedAt === null && digestsEqual(row.hash, hash) ? toRecord(row) : null;
  }

  /** Every key ever created, revoked ones included (so a revoked bootstrap key is not re-created). */
  async count(): Promise<number> {
    return this.orm.em.fork().count(ApiKeyEntity, {});
  }

  async revoke(id: string): Promise<void> {
    const em = this.orm.em.fork();
    const row = typeof id === 'string' ? await em.findOne(ApiKeyEntity, { id }, { disableIdentityMap: true }) : null;
    if (!row) throw new NotFoundError(`API key ${String(id).slice(0, 40)} not found`);
    if (row.revokedAt === null) await em.nativeUpdate(ApiKeyEntity, { id, revokedAt: null }, { revokedAt: this.now() });
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return { id: row.id, role: row.role as ApiKeyRole, name: row.name, createdAt: msToIso(row.createdAt)! };
}
