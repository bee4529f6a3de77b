import { v7 as uuidv7 } from 'uuid';
import { waitDueAt, type WaitSpec } from '../../core/plugin/park-request';
import { isTerminal } from '../../core/store/execution-waiter';
import { get, run, type SqlConnection, type SqlStep, type WriteOp } from './sql-batch';

/**
 * The durable waits' writes (both dialects). Waking a parked execution is one conditional update
 * of its status from `waiting`: on PostgreSQL the row lock makes a second process's update match
 * nothing, so each wake happens exactly once however many processes poll.
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
    // a child wait is due at its node's deadline, or at once when its child ended; the deadline stays apart
    const deadline = waitDueAt(wait);
    for (const child of children)
      yield run(insert, [uuidv7(), executionId, nodeId, 'child', ended.has(child) ? nowMs : deadline, null, child, deadline, nowMs]);
    if (children.length === 0) {
      const name = wait.kind === 'signal' ? wait.signal : null;
      yield run(insert, [uuidv7(), executionId, nodeId, wait.kind, deadline, name, null, null, nowMs]);
    }
  };
}

/** Drops what one node waited for (it ended in the process that runs its execution). */
export function deleteWaitOp(executionId: string, nodeId: string): WriteOp<void> {
  return function* () {
    yield run('delete from weft_wait where execution_id = ? and node_id = ?', [executionId, nodeId]);
  };
}

/** The wait a `weft_wait` row describes (null: not a node's timer, signal or child). */
export function waitSpecOfRow(row: {
  kind: unknown;
  due_at: unknown;
  signal_name: unknown;
  child_execution_id?: unknown;
  deadline_at?: unknown;
}): WaitSpec | null {
  const due = row.due_at === null || row.due_at === undefined ? null : Number(row.due_at);
  if (row.kind === 'timer' && due !== null) return { kind: 'timer', dueAt: due };
  if (row.kind === 'signal') return { kind: 'signal', signal: String(row.signal_name), timeoutAt: due };
  // a child wait is due at its node's deadline, or earlier once the child ended (the wait is then due anyway)
  if (row.kind === 'child' && row.child_execution_id) {
    const deadline = row.deadline_at === null || row.deadline_at === undefined ? null : Number(row.deadline_at);
    const timeoutAt = deadline === null || (due !== null && due < deadline) ? due : deadline;
    return { kind: 'child', childExecutionId: String(row.child_execution_id), timeoutAt };
  }
  return null;
}

/**
 * The waits of an execution's rows, one per node: a map's `child` rows (one per child it parked
 * on) make one `children` wait, so whatever arms it watches every child, not the last row's.
 */
export function waitsOfRows(
  rows: Array<{
    node_id: unknown;
    kind: unknown;
    due_at: unknown;
    signal_name: unknown;
    child_execution_id?: unknown;
    deadline_at?: unknown;
  }>,
): Array<{ nodeId: string; wait: WaitSpec }> {
  const byNode = new Map<string, WaitSpec>();
  for (const r of rows) {
    const wait = waitSpecOfRow(r);
    if (!wait) continue;
    const nodeId = String(r.node_id);
    const had = byNode.get(nodeId);
    if (wait.kind === 'child' && (had?.kind === 'child' || had?.kind === 'children')) {
      const ids = had.kind === 'child' ? [had.childExecutionId] : [...had.childExecutionIds];
      // the latest due time is the node's deadline (a child that ended made its own row due earlier)
      const timeoutAt = Math.max(had.timeoutAt ?? -Infinity, wait.timeoutAt ?? -Infinity);
      byNode.set(nodeId, {
        kind: 'children',
        childExecutionIds: [...ids, wait.childExecutionId],
        timeoutAt: Number.isFinite(timeoutAt) ? timeoutAt : null,
      });
    } else byNode.set(nodeId, wait);
  }
  return [...byNode].map(([nodeId, wait]) => ({ nodeId, wait }));
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

/** What {@link bufferSignalOp} found. */
export type BufferSignalResult = { kind: 'missing' } | { kind: 'finished'; status: string } | { kind: 'buffered'; id: string };

/** Keeps a signal on an unfinished execution (first in, first out by its time-ordered id). */
export function bufferSignalOp(executionId: string, name: string, payloadJson: string, nowMs: number): WriteOp<BufferSignalResult> {
  return function* () {
    const row = yield get('select status from workflow_execution where id = ?', [executionId]);
    if (!row) return { kind: 'missing' };
    const id = uuidv7();
    const n = yield run(
      "insert into weft_signal (id, execution_id, name, payload, received_at) select ?, ?, ?, ?, cast(? as bigint) where exists (select 1 from workflow_execution where id = ? and status in ('pending', 'running', 'waiting'))",
      [id, executionId, name, payloadJson, nowMs, executionId],
    );
    return n === 1 ? { kind: 'buffered', id } : { kind: 'finished', status: String(row.status) };
  };
}

/** A woken execution: what resuming it needs. */
export interface WokenExecution {
  id: string;
  workflowId: string;
  workflowVersion: number;
  trigger: string;
  inputs: string;
  startedAt: number;
  idempotencyKey: string | null;
  definition: string | null;
  /** Nodes that ended (`succeeded` or `failed`) or, waiting on a child that ended, run again; and whether the workflow deadline passed. */
  woke: string[];
  deadline: boolean;
}

/** Where a woken execution goes: this process (`running`, owned) or the queue (`pending`, no owner). */
export type WakeTarget = { status: 'running'; owner: string } | { status: 'pending' };

const WAKE_LIMIT = 1000;

/**
 * Wakes a waiting execution whose timers are due or whose signals arrived (`alongside` runs in
 * the same transaction once something woke, on PostgreSQL): flips it from
 * `waiting` (nothing happens when another process did first), ends the woken nodes' records
 * (timer `{ firedAt }`; signal `{ signal, payload, receivedAt }`; a signal timeout `failed` with
 * `TimeoutError`), consumes their waits and signals, and returns what resuming it needs. When
 * nothing turns out to be due, the execution is left `waiting` and null comes back.
 */
export function wakeOp(
  executionId: string,
  nowMs: number,
  target: WakeTarget,
  alongside: ((db: SqlConnection, woke: string[]) => Promise<unknown>) | null = null,
): WriteOp<WokenExecution | null> {
  return function* () {
    const owner = target.status === 'running' ? target.owner : null;
    const heartbeat = target.status === 'running' ? nowMs : null;
    const n = yield run("update workflow_execution set status = ?, owner = ?, heartbeat_at = ? where id = ? and status = 'waiting'", [
      target.status,
      owner,
      heartbeat,
      executionId,
    ]);
    if (n !== 1) return null;
    const woke: string[] = [];
    let deadline = false;
    const firedAt = new Date(nowMs).toISOString();
    for (let i = 0; i < WAKE_LIMIT; i++) {
      const due = yield get(
        'select id, node_id, kind, signal_name, child_execution_id, deadline_at from weft_wait where execution_id = ? and due_at is not null and due_at <= ? order by due_at, id',
        [executionId, nowMs],
      );
      if (!due) break;
      if (due.kind === 'child') {
        const deadlineAt = due.deadline_at === null || due.deadline_at === undefined ? null : Number(due.deadline_at);
        yield* childWaitDueSteps(executionId, String(due.node_id), String(due.child_execution_id), String(due.id), deadlineAt);
        woke.push(String(due.node_id));
        continue;
      }
      yield run('delete from weft_wait where id = ?', [due.id]);
      if (due.kind === 'deadline') {
        deadline = true;
        continue;
      }
      if (due.kind === 'timer') yield endNodeStep(executionId, String(due.node_id), nowMs, 'succeeded', JSON.stringify({ firedAt }), null);
      else {
        const error = {
          type: 'TimeoutError',
          code: 'WF_SIGNAL_TIMEOUT',
          message: `node "${due.node_id}" waited for signal "${due.signal_name}" past its timeoutMs`,
          retryable: true,
          attempt: 1,
        };
        yield endNodeStep(executionId, String(due.node_id), nowMs, 'failed', null, JSON.stringify(error));
      }
      woke.push(String(due.node_id));
    }
    for (let i = 0; i < WAKE_LIMIT; i++) {
      const match = yield get(
        "select w.id as wait_id, w.node_id, w.signal_name, s.id as signal_id, s.payload, s.received_at from weft_wait w join weft_signal s on s.execution_id = w.execution_id and s.name = w.signal_name where w.execution_id = ? and w.kind = 'signal' order by w.created_at, w.id, s.id",
        [executionId],
      );
      if (!match) break;
      yield run('delete from weft_wait where id = ?', [match.wait_id]);
      yield run('delete from weft_signal where id = ?', [match.signal_id]);
      const payload = match.payload === null ? null : JSON.parse(String(match.payload));
      const output = { signal: String(match.signal_name), payload, receivedAt: new Date(Number(match.received_at)).toISOString() };
      yield endNodeStep(executionId, String(match.node_id), nowMs, 'succeeded', JSON.stringify(output), null);
      woke.push(String(match.node_id));
    }
    if (woke.length === 0 && !deadline) {
      yield run("update workflow_execution set status = 'waiting', owner = null, heartbeat_at = null where id = ?", [executionId]);
      return null;
    }
    // e.g. the queue's job for the woken execution: committed with the wake or not at all
    if (alongside) yield { kind: 'call' as const, call: (db: SqlConnection) => alongside(db, woke) };
    const row = yield get(
      'select workflow_id, workflow_version, triggered_by, inputs, started_at, idempotency_key, definition from workflow_execution where id = ?',
      [executionId],
    );
    return {
      id: executionId,
      workflowId: String(row.workflow_id),
      workflowVersion: Number(row.workflow_version),
      trigger: String(row.triggered_by),
      inputs: String(row.inputs),
      startedAt: Number(row.started_at),
      idempotencyKey: (row.idempotency_key as string | null) ?? null,
      definition: (row.definition as string | null) ?? null,
      woke,
      deadline,
    };
  };
}

/**
 * A due child wait: the node runs again on the same attempt (as after a crash; its record keeps
 * its attempt and first start), re-attaches to the child and takes its result. A child that has
 * not ended made the wait due by the node's deadline: the record says so (a `TimeoutError` on the
 * `running` record), and the node's run fails that attempt, cancels the child and applies its
 * retry policy. A child that ended before the deadline leaves the deadline on the record (a map's
 * other children still run, and the woken attempt must not get a fresh `timeoutMs`).
 */
function* childWaitDueSteps(
  executionId: string,
  nodeId: string,
  child: string,
  waitId: string,
  deadlineAt: number | null,
): Generator<SqlStep, void, any> {
  // the child's row before the wait row, as a child's end and a parent's cancel take them (no deadlock)
  yield run('update workflow_execution set claim_epoch = claim_epoch where id = ?', [child]);
  const row = yield get('select status from workflow_execution where id = ?', [child]);
  yield run('delete from weft_wait where id = ?', [waitId]);
  // a map's rows for its other children go too: its run re-attaches to them, and its next park
  // writes them again, checking each child (so a child ending while it runs wakes nothing)
  yield run("delete from weft_wait where execution_id = ? and node_id = ? and kind = 'child'", [executionId, nodeId]);
  const timedOut = row !== undefined && row !== null && !isTerminal(String(row.status));
  const error = timedOut
    ? JSON.stringify(childWaitTimeout(nodeId, child))
    : deadlineAt !== null
      ? JSON.stringify(childWaitDeadline(nodeId, deadlineAt))
      : null;
  yield run(
    "update node_execution set status = 'running', error = ?, finished_at = null, duration_ms = null where execution_id = ? and node_id = ? and status = 'waiting'",
    [error, executionId, nodeId],
  );
}

/** The mark a child wait past its node's deadline leaves on the node's record, for its run to take. */
function childWaitTimeout(nodeId: string, child: string) {
  return {
    type: 'TimeoutError',
    code: 'WF_NODE_TIMEOUT',
    message: `node "${nodeId}" reached its timeoutMs while child execution ${child} ran`,
    retryable: true,
  };
}

/** The mark a child wait woken before its node's deadline leaves on the node's record: the deadline its run goes on with. */
function childWaitDeadline(nodeId: string, deadlineAt: number) {
  return {
    type: 'TimeoutError',
    code: 'WF_NODE_DEADLINE',
    message: `node "${nodeId}" goes on with its deadline of ${new Date(deadlineAt).toISOString()}`,
    details: { deadlineAt },
  };
}

function endNodeStep(executionId: string, nodeId: string, nowMs: number, status: string, output: string | null, error: string | null) {
  return run(
    "update node_execution set status = ?, output = ?, error = ?, finished_at = ?, duration_ms = ? - started_at where execution_id = ? and node_id = ? and status = 'waiting'",
    [status, output, error, nowMs, nowMs, executionId, nodeId],
  );
}

/** Waiting executions with a due timer, timeout or deadline (the partial due-time index), soonest first. */
export const SELECT_DUE =
  "select distinct w.execution_id, w.due_at from weft_wait w join workflow_execution e on e.id = w.execution_id where w.due_at is not null and w.due_at <= ? and e.status = 'waiting' order by w.due_at limit ?";

/** Waiting executions holding a signal one of their waiting nodes takes. */
export const SELECT_SIGNALLED =
  "select distinct s.execution_id from weft_signal s join weft_wait w on w.execution_id = s.execution_id and w.signal_name = s.name join workflow_execution e on e.id = s.execution_id where e.status = 'waiting' limit ?";

/** An execution's children that have not ended (the partial children index). */
export const SELECT_UNFINISHED_CHILDREN =
  "select id from workflow_execution where parent_execution_id = ? and status in ('pending', 'running', 'waiting')";
