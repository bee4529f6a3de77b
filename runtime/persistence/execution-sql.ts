import { CancelledError, PersistenceError } from '../../core/errors/weft-error';
import { serializeError } from '../../core/errors/error-serializer';
import { get, run, type SqlCall, type SqlStep, type WriteOp } from './sql-batch';
import { upsertNodeSteps } from './node-upsert-sql';
import { childEndedSteps, dropWaitsSteps } from './wait-sql';
import { cancelledNodeRows } from './execution-row-mapper';
import type { PersistenceDialect } from './migrations/migration-list';

/**
 * The execution store's writes as SQL with `?` placeholders, shared by both dialects (the
 * `on conflict` upsert syntax is the same in SQLite and PostgreSQL). Column names come from fixed
 * lists here, never from input.
 */
const EXECUTION_COLUMNS = [
  'id',
  'workflow_id',
  'workflow_version',
  'status',
  'triggered_by',
  'inputs',
  'outputs',
  'error',
  'idempotency_key',
  'started_at',
  'finished_at',
  'duration_ms',
  'owner',
  'heartbeat_at',
  'definition',
  'parent_execution_id',
  'parent_node_id',
  'item_index',
  'rerun_of',
  'priority',
  'concurrency_key',
  'concurrency_limit',
] as const;

const INSERT_EXECUTION = `insert into workflow_execution (${EXECUTION_COLUMNS.join(', ')}) values (${EXECUTION_COLUMNS.map(() => '?').join(', ')})`;

/**
 * Inserts an execution, and `nodeRows` (a re-run's copied nodes) with it when it is created; with
 * an idempotency key the unique index decides races (insert-or-ignore, then read the winner).
 */
export function startExecutionOp(
  row: Record<string, unknown>,
  definition: string | null,
  nodeRows: Record<string, unknown>[] = [],
): WriteOp<{ id: string; created: boolean }> {
  return function* () {
    if (definition) {
      // keep the definition for recovery only when no saved version pins it (ad-hoc runs)
      const pinned = yield get('select version from workflow_version where workflow_id = ? and version = ?', [
        row.workflow_id,
        row.workflow_version,
      ]);
      row.definition = pinned ? null : definition;
    }
    const values = EXECUTION_COLUMNS.map((c) => row[c] ?? null);
    if (!row.idempotency_key) yield run(INSERT_EXECUTION, values);
    else {
      yield run(`${INSERT_EXECUTION} on conflict (workflow_id, idempotency_key) do nothing`, values);
      const winner = yield get('select id from workflow_execution where workflow_id = ? and idempotency_key = ?', [
        row.workflow_id,
        row.idempotency_key,
      ]);
      if (String(winner.id) !== row.id) return { id: String(winner.id), created: false };
    }
    for (const step of upsertNodeSteps(nodeRows)) yield step;
    return { id: String(row.id), created: true };
  };
}

const UPDATABLE = new Set(['status', 'outputs', 'error', 'finished_at', 'duration_ms', 'owner', 'heartbeat_at']);
/** Columns a conditional update may test. */
const TESTABLE = new Set([...UPDATABLE]);

/** Updates allowlisted columns of one execution, optionally only when `where` columns match (null matches NULL). */
export function updateExecutionOp(id: string, set: Record<string, unknown>, where: Record<string, unknown> = {}): WriteOp<number> {
  return function* () {
    const cols = Object.keys(set).filter((c) => UPDATABLE.has(c));
    const conds = ['id = ?'];
    const params: unknown[] = cols.map((c) => set[c] ?? null).concat([id]);
    for (const [c, v] of Object.entries(where)) {
      if (!TESTABLE.has(c)) continue;
      if (v === null) conds.push(`${c} is null`);
      else {
        conds.push(`${c} = ?`);
        params.push(v);
      }
    }
    return (yield run(
      `update workflow_execution set ${cols.map((c) => `${c} = ?`).join(', ')} where ${conds.join(' and ')}`,
      params,
    )) as number;
  };
}

/**
 * Takes an execution over for `owner`: running, owned by it, and the claim epoch raised, which
 * fences every later write of the previous owner (see {@link fencedOp}). Only when the `where`
 * columns still match (null matches NULL) and, with `unfinished`, only while the execution has not
 * ended. Resolves with the new epoch, or null when the row did not match.
 */
export function takeOverOp(
  id: string,
  owner: string,
  nowMs: number,
  where: Record<string, unknown>,
  unfinished = false,
): WriteOp<number | null> {
  return function* () {
    const conds = ['id = ?'];
    const params: unknown[] = [owner, nowMs, id];
    for (const [c, v] of Object.entries(where)) {
      if (!TESTABLE.has(c)) continue;
      if (v === null) conds.push(`${c} is null`);
      else {
        conds.push(`${c} = ?`);
        params.push(v);
      }
    }
    if (unfinished) conds.push("status in ('pending', 'running', 'waiting')");
    const n = yield run(
      `update workflow_execution set status = 'running', finished_at = null, duration_ms = null, owner = ?, heartbeat_at = ?, claim_epoch = claim_epoch + 1 where ${conds.join(' and ')}`,
      params,
    );
    if (n !== 1) return null;
    const row = yield get('select claim_epoch from workflow_execution where id = ?', [id]);
    return Number(row.claim_epoch);
  };
}

const CLAIM_LOCK = 'update workflow_execution set claim_epoch = claim_epoch where id = ? and claim_epoch = ?';
const CLAIM_READ = 'select 1 as held from workflow_execution where id = ? and claim_epoch = ?';

/**
 * The fence of one execution's writes inside a transaction: true while the claim epoch is still
 * the one this process took, false once another process took the execution over. On PostgreSQL
 * the check is an update, which locks the row until the commit, so a takeover waits for the
 * writes in flight and every later write sees its epoch. On SQLite a read is enough: a batch
 * runs under BEGIN IMMEDIATE, which holds the database's only write lock from before the check
 * to the commit, so no takeover can land in between (and an update would dirty the execution's
 * page, one more WAL frame written per node).
 */
export function* claimHolds(executionId: string, epoch: number, dialect: PersistenceDialect): Generator<SqlStep, boolean, any> {
  return claimHeld(yield claimStep(executionId, epoch, dialect), dialect);
}

/** The statement of {@link claimHolds}. */
export function claimStep(executionId: string, epoch: number, dialect: PersistenceDialect): SqlStep {
  return dialect === 'sqlite' ? get(CLAIM_READ, [executionId, epoch]) : run(CLAIM_LOCK, [executionId, epoch]);
}

/** Whether the claim held, from what its {@link claimStep} resumed with: a SQLite read found the row, a PostgreSQL update changed it. */
export function claimHeld(stepResult: unknown, dialect: PersistenceDialect): boolean {
  return dialect === 'sqlite' ? stepResult !== undefined : stepResult === 1;
}

/** What a fenced write resolves with when the claim was gone (nothing was written). */
export const FENCED = Symbol('fenced');

/** `op`, run only while this process still holds the execution's claim `epoch`. */
export function fencedOp<T>(executionId: string, epoch: number, op: WriteOp<T>, dialect: PersistenceDialect): WriteOp<T | typeof FENCED> {
  return function* () {
    if (!(yield* claimHolds(executionId, epoch, dialect))) return FENCED;
    return yield* op();
  };
}

/** Refreshes `heartbeat_at` of this owner's running executions. */
export function heartbeatOp(owner: string, nowMs: number): WriteOp<number> {
  return function* () {
    return (yield run("update workflow_execution set heartbeat_at = ? where owner = ? and status = 'running'", [nowMs, owner])) as number;
  };
}

/** Ends an execution `failed` with `error`; its nodes still `running`/`pending` end `failed` with `nodeError`. */
export function interruptOp(id: string, error: string, nodeError: string, nowMs: number): WriteOp<void> {
  return function* () {
    yield run(
      "update node_execution set status = 'failed', error = ?, finished_at = ? where execution_id = ? and status in ('running', 'pending')",
      [nodeError, nowMs, id],
    );
    const row = yield get('select started_at from workflow_execution where id = ?', [id]);
    const duration = row ? nowMs - Number(row.started_at) : null;
    yield run("update workflow_execution set status = 'failed', error = ?, finished_at = ?, duration_ms = ? where id = ?", [
      error,
      nowMs,
      duration,
      id,
    ]);
    yield* executionEndedSteps(id, nowMs, `parent execution ${id} was interrupted`);
  };
}

/** Child executions one ending execution cancels at most (its `workflow` nodes parked on them). */
const CHILD_CANCEL_LIMIT = 1000;

/**
 * What goes with an execution's end, in the transaction that records it: the children its nodes
 * were parked on are cancelled (an ending parent takes its waiting children with it, as it does
 * its running ones), its waits and buffered signals are dropped, and the waits of parents parked
 * on its own end fall due now, so a poller wakes them. Resolves with the id of the parent that
 * waited on it (null: none).
 */
export function* executionEndedSteps(executionId: string, nowMs: number, why: string): Generator<SqlStep | SqlCall, string | null, any> {
  for (let i = 0; i < CHILD_CANCEL_LIMIT; i++) {
    const w = yield get("select id, child_execution_id from weft_wait where execution_id = ? and kind = 'child' order by id", [
      executionId,
    ]);
    if (!w) break;
    const child = String(w.child_execution_id);
    const error = JSON.stringify(serializeError(new CancelledError(why), false));
    yield* requestCancelOp(child, why, error, nowMs, (definition) => cancelledNodeRows(child, definition))();
    // after the child's row: every transaction that takes both locks the child first (no deadlock)
    yield run('delete from weft_wait where id = ?', [w.id]);
  }
  yield* dropWaitsSteps(executionId);
  return yield* childEndedSteps(executionId, nowMs);
}

/** What {@link requestCancelOp} found and did. */
export type CancelOpResult = { kind: 'missing' } | { kind: 'finished'; status: string } | { kind: 'cancelled' } | { kind: 'requested' };

/**
 * A cancel request. A `pending` execution (queued, unclaimed) ends `cancelled` in the same
 * transaction, with a `cancelled` row for every node `nodeRows` derives from its pinned
 * definition; a `running` one keeps running with the request recorded (the first request's time
 * and reason stand) for its owner's poll to find. Every update is conditional on the status just
 * read, so a worker claiming the execution at that moment (PostgreSQL reads committed rows, not a
 * snapshot) makes the loop read again instead of cancelling a run that started.
 */
export function requestCancelOp(
  id: string,
  reason: string,
  errorJson: string,
  nowMs: number,
  nodeRows: (definitionJson: string | null) => Record<string, unknown>[],
): WriteOp<CancelOpResult> {
  return function* () {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = yield get('select status, started_at, workflow_id, workflow_version, definition from workflow_execution where id = ?', [
        id,
      ]);
      if (!row) return { kind: 'missing' };
      if (row.status === 'pending') {
        const duration = Math.max(0, nowMs - Number(row.started_at));
        const n = yield run(
          "update workflow_execution set status = 'cancelled', error = ?, finished_at = ?, duration_ms = ?, cancel_requested_at = ?, cancel_reason = ? where id = ? and status = 'pending'",
          [errorJson, nowMs, duration, nowMs, reason, id],
        );
        if (n !== 1) continue;
        const pinned = yield get('select definition from workflow_version where workflow_id = ? and version = ?', [
          row.workflow_id,
          row.workflow_version,
        ]);
        for (const step of upsertNodeSteps(nodeRows((pinned?.definition as string | undefined) ?? (row.definition as string | null)), true))
          yield step;
        yield* executionEndedSteps(id, nowMs, `parent execution ${id} was cancelled: ${reason}`);
        return { kind: 'cancelled' };
      }
      if (row.status === 'waiting') {
        // parked: no process runs it, so it ends here, like a queued one, its waiting nodes `cancelled`
        const duration = Math.max(0, nowMs - Number(row.started_at));
        const n = yield run(
          "update workflow_execution set status = 'cancelled', error = ?, finished_at = ?, duration_ms = ?, cancel_requested_at = ?, cancel_reason = ? where id = ? and status = 'waiting'",
          [errorJson, nowMs, duration, nowMs, reason, id],
        );
        if (n !== 1) continue;
        yield run(
          "update node_execution set status = 'cancelled', error = ?, finished_at = ?, duration_ms = ? - started_at where execution_id = ? and status = 'waiting'",
          [errorJson, nowMs, nowMs, id],
        );
        const pinned = yield get('select definition from workflow_version where workflow_id = ? and version = ?', [
          row.workflow_id,
          row.workflow_version,
        ]);
        for (const step of upsertNodeSteps(nodeRows((pinned?.definition as string | undefined) ?? (row.definition as string | null)), true))
          yield step;
        yield* executionEndedSteps(id, nowMs, `parent execution ${id} was cancelled: ${reason}`);
        return { kind: 'cancelled' };
      }
      if (row.status === 'running') {
        const n = yield run(
          "update workflow_execution set cancel_requested_at = coalesce(cancel_requested_at, ?), cancel_reason = coalesce(cancel_reason, ?) where id = ? and status = 'running'",
          [nowMs, reason, id],
        );
        if (n === 1) return { kind: 'requested' };
        continue;
      }
      return { kind: 'finished', status: String(row.status) };
    }
    throw new PersistenceError(`execution ${id} kept changing state while it was being cancelled`);
  };
}

/** This owner's running executions with a cancel request (served by the partial cancel-request index). */
export const SELECT_CANCEL_REQUESTS =
  "select id, cancel_reason from workflow_execution where owner = ? and status = 'running' and cancel_requested_at is not null";
