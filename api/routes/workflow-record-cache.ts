import { LRUCache } from 'lru-cache';
import type { WorkflowRecord, WorkflowStore } from '../../core/index';

/**
 * Short-lived cache of workflow records for `execute`, so a hot workflow is not read from the
 * database (and re-validated by the executor, which caches per definition object) on every
 * request. This process's own updates and deletes invalidate at once; a change made through
 * another process is seen within `ttlMs` (the execution still pins the version it ran).
 */
export class WorkflowRecordCache {
  private readonly entries: LRUCache<string, WorkflowRecord> | undefined;

  constructor(
    private readonly store: WorkflowStore,
    ttlMs: number,
    maxEntries = 1_000,
    now: () => number = () => performance.now(),
  ) {
    // no ttlAutopurge and no ttlResolution: expired entries are dropped when read, against a
    // fresh clock reading each time, so the cache owns no timer
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, perf: { now } }) : undefined;
  }

  async get(id: string): Promise<WorkflowRecord | null> {
    if (!this.entries) return this.store.get(id);
    const hit = this.entries.get(id);
    if (hit) return hit;
    const record = await this.store.get(id);
    if (record) this.entries.set(id, record);
    else this.entries.delete(id);
    return record;
  }

  invalidate(id: string): void {
    this.entries?.delete(id);
  }
}
