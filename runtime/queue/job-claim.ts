import type PgBoss from 'pg-boss';

/** A job a worker claimed: the claim is this id at this retry count (see JobLease). */
export interface ClaimedJob<T> {
  id: string;
  data: T;
  retryCount: number;
}

/**
 * Claims up to `batchSize` jobs of `queue` for this worker: pg-boss 10's fetch (one `UPDATE`
 * over a `SELECT ... FOR UPDATE SKIP LOCKED`, the same state, `started_on` and `retry_count`
 * changes), with two differences that bound failover:
 *
 * - A job whose claim lapsed (`active`, not renewed for its `expire_in`) is claimable at once,
 *   without waiting for pg-boss's maintenance to find it (up to a lapse-check interval more,
 *   a throttled, advisory-locked pass shared by every process). Its retry count goes up as on
 *   any claim after the first, so the dead or stalled worker can neither renew nor complete it.
 *   One whose claims are all used up is left to the maintenance, which dead-letters it.
 *   The maintenance's own pass cannot undo this claim: its `DELETE` re-checks the row after the
 *   lock and finds it renewed.
 * - A job that was claimed before (`started_on` set: its worker died, stalled or handed it back)
 *   comes before every job never claimed, whatever their priorities: its execution was admitted
 *   and is part-done, and the failover promise (resumed within seconds) must not depend on the
 *   backlog of fresh work. Within each group: highest priority, then oldest, as pg-boss orders.
 */
export async function claimJobs<T>(boss: PgBoss, schema: string, queue: string, batchSize: number): Promise<ClaimedJob<T>[]> {
  const { rows } = await boss.getDb().executeSql(
    `WITH next AS (
       SELECT id FROM ${schema}.job
       WHERE name = $1
         AND ((state < 'active' AND start_after < now())
           OR (state = 'active' AND started_on + expire_in < now() AND retry_count < retry_limit))
       ORDER BY started_on IS NULL, priority DESC, created_on, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE ${schema}.job j SET
       state = 'active',
       started_on = now(),
       retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END
     FROM next
     WHERE j.name = $1 AND j.id = next.id
     RETURNING j.id, j.data, j.retry_count`,
    [queue, batchSize],
  );
  return rows.map((r: { id: string; data: T; retry_count: number }) => ({ id: r.id, data: r.data, retryCount: Number(r.retry_count) }));
}
