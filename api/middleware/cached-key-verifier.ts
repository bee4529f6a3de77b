import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ApiKeyRecord, ApiKeyStore } from '../../core/index';

/**
 * Remembers successful key verifications for `ttlMs`, so a busy client does not cost a database
 * lookup per request. Only successes are kept (a flood of wrong keys cannot fill it; those go to
 * the store and the per-address rate limit), entries are keyed by the key's SHA-256 (never the
 * key itself), and the size is bounded. A revoked key keeps working here for at most `ttlMs`.
 */
export class CachedKeyVerifier {
  private readonly entries: LRUCache<string, ApiKeyRecord> | undefined;

  constructor(
    private readonly store: ApiKeyStore,
    ttlMs: number,
    maxEntries = 10_000,
    now: () => number = () => performance.now(),
  ) {
    // no ttlAutopurge and no ttlResolution: expired entries are dropped when read, against a
    // fresh clock reading each time, so the cache owns no timer
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, perf: { now } }) : undefined;
  }

  async verify(plainKey: string): Promise<ApiKeyRecord | null> {
    if (!this.entries) return this.store.verify(plainKey);
    const digest = createHash('sha256').update(plainKey).digest('base64');
    const hit = this.entries.get(digest);
    if (hit) return hit;
    const record = await this.store.verify(plainKey);
    if (record) this.entries.set(digest, record);
    return record;
  }
}
