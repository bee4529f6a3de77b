import type { PlannedNode } from '../dag/execution-plan';
import type { NodeExecutionRecord } from '../model/execution-document';
import { serializeError } from '../errors/error-serializer';
import { CancelledError, TimeoutError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { WaitSpec } from '../plugin/park-request';
import { finishedRecord } from './node-records';

/**
 * The record a waker would write for a waiting node whose due time came at `now`: timer
 * `{ firedAt }`, a signal timeout `failed` with `TimeoutError`.
 */
export function waitEndedRecord(node: PlannedNode, waiting: NodeExecutionRecord, wait: WaitSpec, now: number): NodeExecutionRecord {
  const startMs = Date.parse(waiting.startedAt ?? new Date(now).toISOString());
  if (wait.kind === 'timer') {
    return finishedRecord(waiting, startMs, now, {
      status: 'succeeded',
      attempts: waiting.attempts,
      output: { firedAt: new Date(now).toISOString() },
    });
  }
  const what =
    wait.kind === 'signal'
      ? `signal "${wait.signal}"`
      : wait.kind === 'child'
        ? `child execution ${wait.childExecutionId}`
        : `child executions ${wait.childExecutionIds.join(', ')}`;
  const err = new TimeoutError(`node "${node.id}" waited for ${what} past its timeoutMs`, {
    code: ErrorCodes.WF_SIGNAL_TIMEOUT,
  });
  return finishedRecord(waiting, startMs, now, {
    status: 'failed',
    attempts: waiting.attempts,
    error: { ...serializeError(err, false), attempt: waiting.attempts },
  });
}

/** The record of a node that still waited when its execution ended. */
export function waitCancelledRecord(waiting: NodeExecutionRecord, now: number): NodeExecutionRecord {
  const error = {
    ...serializeError(new CancelledError('the execution ended while the node waited'), false),
    attempt: waiting.attempts,
  };
  return finishedRecord(waiting, Date.parse(waiting.startedAt ?? new Date(now).toISOString()), now, {
    status: 'cancelled',
    attempts: waiting.attempts,
    error,
  });
}
