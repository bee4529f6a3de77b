import { v7 as uuidv7 } from 'uuid';
import { waitDueAt, type WaitSpec } from '../../core/plugin/park-request';
import { isTerminal } from '../../core/store/execution-waiter';
import { get, run, type SqlStep, type WriteOp } from './sql-batch';

/**
 * The durable waits' writes as a node parks and as an execution ends (both dialects). Waking is in
 * `wake-sql.ts`, buffering a signal in `signal-sql.ts`, reading the rows back in `wait-row-mapper.ts`.
 */

/**
 * Records what a parked node waits for (replacing what an earlier run of the same node recorded).
 * A child's end is checked in the same transaction, after locking the child's row (on PostgreSQL
 * the lock waits for a commit that ends the child): either the child ended before, and the wait is
 * due at once, or its end comes after and marks the wait due ({@link executionEndedSteps}). Never
 * neither, so a parent cannot wait for a child that already ended. A node waiting on several
 * children (a map) gets one `child` row per child: a child's end then finds its parent by the
 * child index alone, as for a `workflow` node, and the first end makes the node due.
 */
export function insertWaitOp(executionId: string, nodeId: string, wait: WaitSpec, nowMs: number): WriteOp<void> {
  return function* () {
    // sorted: every transaction that locks several children of one parent takes them in one order
    const children =
      wait.kind === 'child' ? [wait.childExecutionId] : wait.kind === 'children' ? [...new Set(wait.childExecutionIds)].sort() : [];
    const ended = new Set<string>();
    for (const child of children) {
      // the child's row before any wait row, as a child's end and a parent's cancel take them (no deadlock)
      yield run('update workflow_execution set claim_epoch = claim_epoch where id = ?', [child]);
      const row = yield get('select status from workflow_execution where id = ?', [child]);
      // a child that is gone cannot end: the node runs again at once, and its re-attach says why
      if (!row || isTerminal(String(row.status))) ended.add(child);
    }
    yield run('delete from weft_wait where execution_id = ? and node_id = ?', [executionId, nodeId]);
    const insert =
      'insert into weft_wait (id, execution_id, node_id, kind, due_at, signal_name, child_execution_id, deadline_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    // a child wait is due at its node's deadline (or earlier, at its `wakeAt`), or at once when its
    // child ended; the node's deadline stays apart, so a wake before it does not time the node out
    const due = waitDueAt(wait);
    const deadline = wait.kind === 'child' || wait.kind === 'children' ? (wait.timeoutAt ?? null) : null;
    for (const child of children)
      yield run(insert, [uuidv7(), executionId, nodeId, 'child', ended.has(child) ? nowMs : due, null, child, deadline, nowMs]);
    if (children.length === 0) {
      const name = wait.kind === 'signal' ? wait.signal : null;
      yield run(insert, [uuidv7(), executionId, nodeId, wait.kind, due, name, null, null, nowMs]);
    }
  };
}

/** Drops what one node waited for (it ended in the process that runs its execution). */
export function deleteWaitOp(executionId: string, nodeId: string): WriteOp<void> {
  return function* () {
    yield run('delete from weft_wait where execution_id = ? and node_id = ?', [executionId, nodeId]);
  };
}

/** Parks a running execution this owner runs, unless a cancel request is open; with a deadline row. */
export function parkExecutionOp(
  executionId: string,
  owner: string,
  deadlineAt: number | null,
  nowMs: number,
  eventSeq = 0,
): WriteOp<boolean> {
  return function* () {
    const n = yield run(
      "update workflow_execution set status = 'waiting', owner = null, heartbeat_at = null, event_seq = ? where id = ? and status = 'running' and owner = ? and cancel_requested_at is null",
      [eventSeq, executionId, owner],
    );
    if (n !== 1) return false;
    yield run("delete from weft_wait where execution_id = ? and kind = 'deadline'", [executionId]);
    if (deadlineAt !== null) {
      yield run(
        "insert into weft_wait (id, execution_id, node_id, kind, due_at, signal_name, created_at) values (?, ?, null, 'deadline', ?, null, ?)",
        [uuidv7(), executionId, deadlineAt, nowMs],
      );
    }
    return true;
  };
}

/** Drops an execution's waits and buffered signals (it ended). */
export function* dropWaitsSteps(executionId: string) {
  yield run('delete from weft_wait where execution_id = ?', [executionId]);
  yield run('delete from weft_signal where execution_id = ?', [executionId]);
}

/**
 * Makes the wait of the parent parked on this execution's end due now (it ended; a later deadline
 * no longer matters), for a poller to wake it; resolves with that parent's id (null: no parent
 * waited on it).
 */
export function* childEndedSteps(executionId: string, nowMs: number): Generator<SqlStep, string | null, any> {
  const parent = yield get(
    "update weft_wait set due_at = ? where child_execution_id = ? and kind = 'child' and (due_at is null or due_at > ?) returning execution_id",
    [nowMs, executionId, nowMs],
  );
  return parent ? String(parent.execution_id) : null;
}
