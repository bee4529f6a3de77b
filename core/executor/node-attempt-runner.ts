import type { PlannedNode } from '../dag/execution-plan';
import type { NodeExecutionRecord } from '../model/execution-document';
import { renderValue } from '../context/compiled-value';
import { serializeError } from '../errors/error-serializer';
import { NodeExecutionError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import { isParkRequest, type WaitSpec } from '../plugin/park-request';
import { isoAt } from '../services/iso-time';
import type { NodeLifecycleParts } from './node-lifecycle-parts';
import { runAttempts } from './node-attempts';
import { finishedRecord, rememberOutputJson, runningRecord } from './node-records';
import { RunContext } from './run-context';

/** Where an attempt leaves the node's running record, and what a node that parks waits for. */
export interface NodeAttemptSlots {
  records: (NodeExecutionRecord | undefined)[];
  parking: Map<number, WaitSpec>;
}

/** A parked node run again: its record as it parked (attempt, first start, earlier attempts' errors) and its attempt's deadline. */
export interface WokenNode {
  record: NodeExecutionRecord;
  deadlineAt: number | null;
}

/**
 * A node its record left `running` (a wake, or a crash) goes on: a wake past its deadline marked
 * the record timed out, one before it left the deadline (`WF_NODE_DEADLINE`, `details.deadlineAt`).
 */
export function wokenFrom(record: NodeExecutionRecord): WokenNode {
  const e = record.error;
  if (e?.code === ErrorCodes.WF_NODE_TIMEOUT) return { record, deadlineAt: 0 };
  const at = e?.code === ErrorCodes.WF_NODE_DEADLINE ? (e.details as { deadlineAt?: unknown } | undefined)?.deadlineAt : undefined;
  return { record, deadlineAt: typeof at === 'number' ? at : null };
}

/**
 * Starts one node (records and publishes it `running`), renders its config and runs its attempts,
 * returning its finished record (not yet written); `waiting` when it parked (what it waits for is
 * left in `slots.parking`). A woken node goes on with the attempt that parked, and keeps its first start.
 */
export async function runNodeAttempts(
  parts: NodeLifecycleParts,
  slots: NodeAttemptSlots,
  node: PlannedNode,
  fallbackFor: string | null,
  woken: WokenNode | null = null,
): Promise<NodeExecutionRecord> {
  const { deps, events } = parts;
  const clock = deps.clock;
  const first = woken ? Math.max(1, woken.record.attempts) : 1;
  const startedAt = woken?.record.startedAt ?? null;
  const startMs = startedAt ? Date.parse(startedAt) : clock.now();
  const rec = { ...runningRecord(node.id, startedAt ?? isoAt(startMs), fallbackFor), attempts: first };
  slots.records[node.index] = rec;
  parts.writes.add(deps.store.nodeStarted(parts.executionId, { ...rec }));
  events.emit({ kind: 'node', nodeId: node.id, status: 'running', attempt: first });
  const scope = parts.context.scope;
  let config: unknown;
  try {
    // most nodes name no secret: render without waiting a turn for a scope that is the same
    config = renderValue(node.config, node.secretNames.length ? await parts.secrets.renderScope(node.secretNames, scope) : scope);
  } catch (err) {
    const error = { ...serializeError(err), attempt: first, input: null };
    return finishedRecord(rec, startMs, clock.now(), { status: 'failed', attempts: first, error });
  }
  const result = await runAttempts({
    node,
    config,
    ctx: new RunContext(parts.runHost, node, scope, parts.signal, deps.store.nodeWaiting !== undefined),
    abort: parts.abort,
    clock,
    maxOutputBytes: deps.maxOutputBytes,
    onRetry: (attempt, delayMs, error) => events.emit({ kind: 'node', nodeId: node.id, status: 'retrying', attempt, delayMs, error }),
    resume: woken ? { attempt: first, attemptErrors: woken.record.attemptErrors ?? [], deadlineAt: woken.deadlineAt } : undefined,
  });
  const { attempts, attemptErrors } = result;
  if (result.ok && isParkRequest(result.output)) {
    // a fallback parks only on children (its wake runs it again); a timer's or signal's waker would end it without its failed node
    const onChildren = result.output.wait.kind === 'child' || result.output.wait.kind === 'children';
    if (!deps.store.nodeWaiting || (fallbackFor !== null && !onChildren)) {
      const why = deps.store.nodeWaiting
        ? 'a fallback node can wait only on a child execution'
        : 'waits are kept in a database: run it with weft serve, or weft run --db';
      const err = new NodeExecutionError(`node "${node.id}" cannot wait here: ${why}`, { code: ErrorCodes.WF_WAIT_UNSUPPORTED });
      const error = { ...serializeError(err), attempt: 1, input: config };
      return finishedRecord(rec, startMs, clock.now(), { status: 'failed', attempts: 1, error });
    }
    slots.parking.set(node.index, result.output.wait);
    // the attempt that parked and the errors before it: a woken node goes on from there
    const parked: NodeExecutionRecord = { ...rec, status: 'waiting', attempts };
    if (attemptErrors.length) parked.attemptErrors = attemptErrors;
    return parked;
  }
  if (result.ok) {
    const done = finishedRecord(rec, startMs, clock.now(), {
      status: 'succeeded',
      attempts,
      output: result.output ?? null,
      attemptErrors,
    });
    return rememberOutputJson(done, result.outputJson);
  }
  const status = result.aborted ? 'cancelled' : 'failed';
  return finishedRecord(rec, startMs, clock.now(), { status, attempts, error: result.record, attemptErrors });
}
