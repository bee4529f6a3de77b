import type { EventBus, ExecutionDocument, ExecutionStore } from '../../core/index';
import { isTerminal, waitForFinish as waitInCore } from '../../core/store/execution-waiter';

export { isTerminal };

/** Whether `execute` with `wait` (and a webhook answering with outputs) answers: the execution finished, or parked (`waiting`). */
export function isSettled(status: string): boolean {
  return status === 'waiting' || isTerminal(status);
}

/**
 * The API's view of the core waiter: resolves once the execution is finished or first `waiting`,
 * for executions this request did not start; null when `signal` aborts (the client went away).
 */
export function waitForFinish(
  executionId: string,
  deps: { events: EventBus; executions: ExecutionStore },
  signal: AbortSignal,
  pollMs = 500,
): Promise<ExecutionDocument | null> {
  return waitInCore(executionId, deps, signal, pollMs, isSettled);
}
