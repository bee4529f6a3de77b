import { isTerminal } from '../../core/store/execution-waiter';
import { get, run, type SqlConnection, type SqlStep, type WriteOp } from './sql-batch';

/**
 * Waking parked executions (both dialects). Waking one is one conditional update of its status
 * from `waiting`: on PostgreSQL the row lock makes a second process's update match nothing, so
 * each wake happens exactly once however many processes poll.
 */

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
        yield* childWaitDueSteps(executionId, String(due.node_id), String(due.child_execution_id), String(due.id), deadlineAt, nowMs);
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
 * not ended made the wait due by the node's deadline (or, before it, by the wait's `wakeAt`: the
 * node goes on as after a child's end): the record says so (a `TimeoutError` on the
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
  nowMs: number,
): Generator<SqlStep, void, any> {
  // the child's row before the wait row, as a child's end and a parent's cancel take them (no deadlock)
  yield run('update workflow_execution set claim_epoch = claim_epoch where id = ?', [child]);
  const row = yield get('select status from workflow_execution where id = ?', [child]);
  yield run('delete from weft_wait where id = ?', [waitId]);
  // a map's rows for its other children go too: its run re-attaches to them, and its next park
  // writes them again, checking each child (so a child ending while it runs wakes nothing)
  yield run("delete from weft_wait where execution_id = ? and node_id = ? and kind = 'child'", [executionId, nodeId]);
  // a child that has not ended made the wait due by the node's deadline, or earlier by its `wakeAt`
  // (a map item's own deadline: the map times that item out, not itself)
  const running = row !== undefined && row !== null && !isTerminal(String(row.status));
  const timedOut = running && deadlineAt !== null && deadlineAt <= nowMs;
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
