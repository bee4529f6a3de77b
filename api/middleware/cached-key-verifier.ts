import { createHash } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore } from '../../core/index';

/**
 * Remembers successful key verifications for `ttlMs`, so a busy client does not cost a database
 * lookup per request. Only successes are kept (a flood of wrong keys cannot fill it; those go to
 * the store and the per-address rate limit), entries are keyed by the key's SHA-256 (never the
 * key itself), and the size is bounded. A revoked key keeps working here for at most `ttlMs`.
 */
export class CachedKeyVerifier {
  private readonly entries = new Map<string, { record: ApiKeyRecord; expires: number }>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(plainKey: string): Promise<ApiKeyRecord | null> {
    if (this.ttlMs <= 0) return this.store.verify(plainKey);
    const digest = createHash('sha256').update(plainKey).digest('base64');
    const hit = this.entries.get(digest);
    const t = this.now();
    if (hit && hit.expires > t) return hit.record;
    if (hit) this.entries.delete(digest);
    const record = await this.store.verify(plainKey);
    if (record) {
      // Map keeps insertion order: the oldest entry goes first when full
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(digest, { record, expires: t + this.ttlMs });
    }
    return record;
  }
}
