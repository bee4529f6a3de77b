import type { WorkflowRecord, WorkflowStore } from '../../core/index';

/**
 * Short-lived cache of workflow records for `execute`, so a hot workflow is not read from the
 * database (and re-validated by the executor, which caches per definition object) on every
 * request. This process's own updates and deletes invalidate at once; a change made through
 * another process is seen within `ttlMs` (the execution still pins the version it ran).
 */
export class WorkflowRecordCache {
  private readonly entries = new Map<string, { record: WorkflowRecord; expires: number }>();

  constructor(
    private readonly store: WorkflowStore,
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<WorkflowRecord | null> {
    if (this.ttlMs <= 0) return this.store.get(id);
    const t = this.now();
    const hit = this.entries.get(id);
    if (hit && hit.expires > t) return hit.record;
    const record = await this.store.get(id);
    if (record) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(id, { record, expires: t + this.ttlMs });
    } else this.entries.delete(id);
    return record;
  }

  invalidate(id: string): void {
    this.entries.delete(id);
  }
}
