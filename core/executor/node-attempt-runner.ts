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

/**
 * Starts one node (records and publishes it `running`), renders its config and runs its attempts,
 * returning its finished record (not yet written); `waiting` when it parked (what it waits for is
 * left in `slots.parking`, the attempt that parked in the record's `attempts`). `woken`: the
 * node's record when it parked on children and one ended; it goes on with that attempt (a child's
 * key names it: the node re-attaches instead of starting new children) and that start time.
 */
export async function runNodeAttempts(
  parts: NodeLifecycleParts,
  slots: NodeAttemptSlots,
  node: PlannedNode,
  fallbackFor: string | null,
  woken: NodeExecutionRecord | null = null,
): Promise<NodeExecutionRecord> {
  const { deps, events } = parts;
  const clock = deps.clock;
  const firstAttempt = woken ? Math.max(1, woken.attempts) : 1;
  const wokenAt = woken?.startedAt ? Date.parse(woken.startedAt) : NaN;
  const startMs = Number.isFinite(wokenAt) ? wokenAt : clock.now();
  const rec = { ...runningRecord(node.id, isoAt(startMs), fallbackFor), attempts: firstAttempt };
  slots.records[node.index] = rec;
  parts.writes.add(deps.store.nodeStarted(parts.executionId, { ...rec }));
  events.emit({ kind: 'node', nodeId: node.id, status: 'running', attempt: firstAttempt });
  const scope = parts.context.scope;
  let config: unknown;
  try {
    // most nodes name no secret: render without waiting a turn for a scope that is the same
    config = renderValue(node.config, node.secretNames.length ? await parts.secrets.renderScope(node.secretNames, scope) : scope);
  } catch (err) {
    const error = { ...serializeError(err), attempt: 1, input: null };
    return finishedRecord(rec, startMs, clock.now(), { status: 'failed', attempts: 1, error });
  }
  const result = await runAttempts({
    node,
    config,
    ctx: new RunContext(parts.runHost, node, scope, parts.signal, deps.store.nodeWaiting !== undefined && fallbackFor === null),
    abort: parts.abort,
    clock,
    maxOutputBytes: deps.maxOutputBytes,
    onRetry: (attempt, delayMs, error) => events.emit({ kind: 'node', nodeId: node.id, status: 'retrying', attempt, delayMs, error }),
    firstAttempt,
  });
  const { attempts, attemptErrors } = result;
  if (result.ok && isParkRequest(result.output)) {
    if (!deps.store.nodeWaiting || fallbackFor !== null) {
      const why =
        fallbackFor !== null ? 'a fallback node cannot wait' : 'waits are kept in a database: run it with weft serve, or weft run --db';
      const err = new NodeExecutionError(`node "${node.id}" cannot wait here: ${why}`, { code: ErrorCodes.WF_WAIT_UNSUPPORTED });
      const error = { ...serializeError(err), attempt: 1, input: config };
      return finishedRecord(rec, startMs, clock.now(), { status: 'failed', attempts: 1, error });
    }
    slots.parking.set(node.index, result.output.wait);
    return { ...rec, status: 'waiting', attempts };
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
