import { get, run, type SqlCall, type SqlConnection, type SqlStep, type WriteOp } from '../persistence/sql-batch';
import type { PersistenceDialect } from '../persistence/migrations/migration-list';
import { upsertNodeSteps } from '../persistence/node-upsert-sql';

/** One limit's scope: a workflow, and the rendered key ('' without one). */
export interface SlotGroup {
  workflowId: string;
  key: string;
}

/**
 * How an admitted execution leaves the queue. `local`: this process runs it — the admission takes
 * it over like a claim (`running`, owned here, claim epoch raised), so if this process dies it is
 * recovered like any running execution. `queue`: it stays `pending` with its slot and `send`
 * queues its job for a worker on the admission's own connection and transaction (PostgreSQL),
 * so a slot is never held without a job nor a job sent without a slot.
 */
export type AdmissionTarget =
  { kind: 'local'; owner: string } | { kind: 'queue'; send(db: SqlConnection, executionId: string, priority: number): Promise<unknown> };

/** An execution the admission gave a slot; `epoch` is the claim a `local` admission took. */
export interface Admitted {
  id: string;
  priority: number;
  epoch: number | null;
}

export interface AdmissionResult {
  admitted: Admitted[];
  /** For {@link admitOneOp}: the execution was recorded `skipped` (no slot free). */
  skipped: boolean;
}

/** Namespace of weft's advisory locks (the first key of `pg_advisory_xact_lock(int, int)`). */
const LOCK_NAMESPACE = 0x77656674 & 0x7fffffff;

/** Executions of the group that hold a slot: admitted and not ended (a waiting one keeps its slot). */
const COUNT_HOLDERS =
  "select count(*) as n from workflow_execution where workflow_id = ? and concurrency_key = ? and admitted_at is not null and status in ('pending', 'running', 'waiting')";
/** The group's next in line: highest priority first, then the oldest (ids are time-ordered UUIDv7). */
const NEXT_IN_LINE =
  "select id, priority, concurrency_limit from workflow_execution where workflow_id = ? and concurrency_key = ? and status = 'pending' and admitted_at is null order by priority desc, id asc limit 1";

/**
 * Gives free slots of `group` to its queue, in order, until the slots or the queue run out. The
 * time is read once the lock is held: `startedAt` must not predate the end that freed the slot. On
 * PostgreSQL a transaction-scoped advisory lock per group serialises admissions of every process
 * (released at commit); on SQLite the single writer's transaction does.
 */
export function admitGroupOp(
  dialect: PersistenceDialect,
  group: SlotGroup,
  target: AdmissionTarget,
  now: () => number,
): WriteOp<AdmissionResult> {
  return function* () {
    yield* lockGroup(dialect, group);
    const nowMs = now();
    let holders = yield* countHolders(group);
    const admitted: Admitted[] = [];
    for (;;) {
      const next = yield get(NEXT_IN_LINE, [group.workflowId, group.key]);
      if (!next || holders >= Number(next.concurrency_limit)) break;
      const a = yield* admit(String(next.id), Number(next.priority), target, nowMs);
      if (!a) break; // cannot happen under the lock; never spin
      admitted.push(a);
      holders++;
    }
    return { admitted, skipped: false };
  };
}

/**
 * `onLimit: "skip"`: admits execution `id` (already recorded `pending`) when its group has a free
 * slot, else records it `skipped`. An execution another admission took meanwhile is left alone.
 */
export function admitOneOp(
  dialect: PersistenceDialect,
  group: SlotGroup,
  id: string,
  limit: number,
  target: AdmissionTarget,
  now: () => number,
  /** The node rows of the execution once skipped (every node `skipped`, in definition order). */
  skippedNodeRows: () => Record<string, unknown>[],
): WriteOp<AdmissionResult> {
  return function* () {
    yield* lockGroup(dialect, group);
    const nowMs = now();
    const row = yield get('select status, priority, admitted_at from workflow_execution where id = ?', [id]);
    if (!row || row.status !== 'pending' || row.admitted_at !== null) return { admitted: [], skipped: false };
    if ((yield* countHolders(group)) < limit) {
      const a = yield* admit(id, Number(row.priority), target, nowMs);
      return { admitted: a ? [a] : [], skipped: false };
    }
    const n = yield run(
      "update workflow_execution set status = 'skipped', finished_at = ?, duration_ms = 0, started_at = ? where id = ? and status = 'pending' and admitted_at is null",
      [nowMs, nowMs, id],
    );
    if (n !== 1) return { admitted: [], skipped: false };
    // with the status, so the document never shows a skipped execution without its nodes
    for (const step of upsertNodeSteps(skippedNodeRows())) yield step;
    return { admitted: [], skipped: true };
  };
}

function* lockGroup(dialect: PersistenceDialect, group: SlotGroup): Generator<SqlStep, void, any> {
  if (dialect !== 'postgresql') return;
  // hashtext collisions only make two groups wait for each other, never share slots
  yield get('select pg_advisory_xact_lock(cast(? as integer), hashtext(cast(? as text))) as locked', [
    LOCK_NAMESPACE,
    JSON.stringify([group.workflowId, group.key]),
  ]);
}

function* countHolders(group: SlotGroup): Generator<SqlStep, number, any> {
  const r = yield get(COUNT_HOLDERS, [group.workflowId, group.key]);
  return Number(r?.n ?? 0);
}

/** Gives one queued execution its slot; `startedAt` is when it leaves `pending`'s queue. */
function* admit(id: string, priority: number, target: AdmissionTarget, nowMs: number): Generator<SqlStep | SqlCall, Admitted | null, any> {
  if (target.kind === 'local') {
    const n = yield run(
      "update workflow_execution set admitted_at = ?, started_at = ?, status = 'running', owner = ?, heartbeat_at = ?, claim_epoch = claim_epoch + 1 where id = ? and status = 'pending' and admitted_at is null",
      [nowMs, nowMs, target.owner, nowMs, id],
    );
    if (n !== 1) return null;
    const row = yield get('select claim_epoch from workflow_execution where id = ?', [id]);
    return { id, priority, epoch: Number(row.claim_epoch) };
  }
  const n = yield run(
    "update workflow_execution set admitted_at = ?, started_at = ? where id = ? and status = 'pending' and admitted_at is null",
    [nowMs, nowMs, id],
  );
  if (n !== 1) return null;
  yield { kind: 'call', call: (db: SqlConnection) => target.send(db, id, priority) };
  return { id, priority, epoch: null };
}
