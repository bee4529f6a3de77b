import type { ExecutionPlan } from '../dag/execution-plan';
import type { SerializedError } from '../errors/error-serializer';
import { CancelledError, TimeoutError, type WeftError } from '../errors/weft-error';
import type { StopKind } from './execution-run-init';
import type { NodeEnd } from './node-lifecycle-parts';

/**
 * Why a node's failure stops the execution, or null when it runs on: `stop` ends it at the first
 * failure; `continue` only once `failureThreshold` is exceeded (`failed` counts the failures so far).
 */
export function failurePolicyError(plan: ExecutionPlan, failed: number, end: Extract<NodeEnd, { kind: 'failed' }>): SerializedError | null {
  const { onNodeFailure, failureThreshold } = plan.settings;
  if (onNodeFailure === 'stop') return end.error;
  // a resumed failure was already weighed against the threshold by the run that recorded it
  if (end.resumed || failureThreshold === null) return null;
  const total = plan.scheduledCount;
  if (failed / total <= failureThreshold) return null;
  const last = end.record.error?.message;
  const message = `failure threshold ${failureThreshold} exceeded (${failed} of ${total} nodes failed); last: ${last}`;
  return { ...end.error, message };
}

/** What running nodes see as their signal's reason: the workflow timeout, or a cancel. */
export function abortReason(kind: StopKind, error: SerializedError | null): WeftError {
  if (kind === 'failed' && error?.type === 'TimeoutError') return new TimeoutError(error.message, { code: error.code });
  if (kind === 'cancelled') return new CancelledError(error?.message ?? 'cancelled');
  return new CancelledError('execution stopped after a node failed');
}
