/** The bits of `pg` a trace queries with. */
interface Queryable {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Where one interrupted execution's failover spent its time, in ms after the kill (null: not seen). */
export interface FailoverSteps {
  executionId: string;
  /** The dead worker's last renewal of the job's claim (negative: before the kill). */
  lastRenewal: number | null;
  /** When the claim lapsed (last renewal + lease). */
  lapse: number | null;
  /** When pg-boss's maintenance found it lapsed and made the job claimable again (null: a worker claimed the lapsed job itself). */
  requeued: number | null;
  /** When a worker fetched the job again. */
  fetched: number | null;
  /** When the execution's row was taken over (owner changed). */
  claimed: number | null;
  /** Jobs ahead of it in the queue (claimable, fetched first) when the requeue was seen. */
  aheadAtRequeue: number | null;
  /** Free slots nowhere: every worker's `active` jobs when the requeue was seen. */
  activeAtRequeue: number | null;
}

/**
 * `WEFT_CHAOS_TRACE=1`: follows the pg-boss job and the row of each execution a kill interrupted,
 * every 50 ms, and answers where its failover spent its time (server clock and this process's
 * clock are the same machine's).
 */
export class FailoverTrace {
  private readonly steps = new Map<string, FailoverSteps>();
  private readonly retry = new Map<string, number>();

  constructor(
    private readonly db: Queryable,
    private readonly schema = 'pgboss',
  ) {}

  /** Reads the claims the killed worker held (call right after the kill). */
  async killed(killedAt: number, executionIds: string[]): Promise<void> {
    if (!executionIds.length) return;
    const { rows } = await this.db.query(
      `select id::text as id, retry_count, extract(epoch from started_on) * 1000 as renewed, extract(epoch from expire_in) * 1000 as lease from ${this.schema}.job where name = 'weft-executions' and id = any($1::uuid[])`,
      [executionIds],
    );
    for (const id of executionIds) {
      const r = rows.find((x) => x.id === id);
      const renewed = r ? Number(r.renewed) : null;
      this.retry.set(id, r ? Number(r.retry_count) : -1);
      this.steps.set(id, {
        executionId: id,
        lastRenewal: renewed === null ? null : renewed - killedAt,
        lapse: renewed === null ? null : renewed + Number(r!.lease) - killedAt,
        requeued: null,
        fetched: null,
        claimed: null,
        aheadAtRequeue: null,
        activeAtRequeue: null,
      });
    }
  }

  /** One look at the interrupted executions' jobs and rows; true once all were claimed again. */
  async observe(killedAt: number, pid: number): Promise<boolean> {
    const open = [...this.steps.values()].filter((s) => s.claimed === null);
    if (!open.length) return true;
    const { rows } = await this.db.query(
      `select j.id::text as id, j.state, j.retry_count, extract(epoch from j.start_after) * 1000 as start_after, extract(epoch from j.started_on) * 1000 as started_on, e.owner, e.status,
         (select count(*) from ${this.schema}.job q where q.name = j.name and q.state < 'active' and q.start_after < now() and (q.priority > j.priority or (q.priority = j.priority and (q.created_on, q.id) < (j.created_on, j.id)))) as ahead,
         (select count(*) from ${this.schema}.job q where q.name = j.name and q.state = 'active') as active
       from ${this.schema}.job j join workflow_execution e on e.id = j.id::text where j.name = 'weft-executions' and j.id = any($1::uuid[])`,
      [open.map((s) => s.executionId)],
    );
    const now = Date.now();
    for (const r of rows) {
      const s = this.steps.get(String(r.id))!;
      const before = this.retry.get(s.executionId)!;
      if (s.aheadAtRequeue === null && (r.state === 'retry' || Number(r.retry_count) > before)) {
        // the maintenance's requeue sets start_after (no retry delay); a worker's own claim of the lapsed job leaves it
        const requeued = Number(r.start_after) - killedAt;
        s.requeued = s.lastRenewal !== null && requeued > s.lastRenewal ? requeued : null;
        s.aheadAtRequeue = r.state === 'retry' ? Number(r.ahead) : 0;
        s.activeAtRequeue = Number(r.active);
      }
      if (s.fetched === null && r.state === 'active' && Number(r.retry_count) > before) s.fetched = Number(r.started_on) - killedAt;
      const owner = (r.owner as string | null) ?? '';
      if (s.claimed === null && (r.status !== 'running' || (owner && !owner.includes(`:${pid}:`)))) s.claimed = now - killedAt;
    }
    return [...this.steps.values()].every((s) => s.claimed !== null);
  }

  get all(): FailoverSteps[] {
    return [...this.steps.values()];
  }
}
