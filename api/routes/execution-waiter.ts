import { TERMINAL_EXECUTION_STATUSES, type EventBus, type ExecutionDocument, type ExecutionStore } from '../../core/index';

const TERMINAL = new Set<string>(TERMINAL_EXECUTION_STATUSES);

/** Whether an execution status is final. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/** Whether `execute` with `wait` answers: the execution finished, or parked (`waiting`) for the first time. */
export function isSettled(status: string): boolean {
  return status === 'waiting' || TERMINAL.has(status);
}

/**
 * Resolves with the execution document once the execution is finished or waiting, for executions this
 * request did not start (an idempotency key matched an earlier one, possibly run elsewhere):
 * the event bus wakes it up, a slow poll of the store covers executions in other processes.
 * Resolves null when `signal` aborts (the client went away).
 */
export function waitForFinish(
  executionId: string,
  deps: { events: EventBus; executions: ExecutionStore },
  signal: AbortSignal,
  pollMs = 500,
): Promise<ExecutionDocument | null> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (doc: ExecutionDocument | null, err?: unknown) => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      if (err !== undefined) reject(err);
      else resolve(doc);
    };
    const check = () => {
      deps.executions.getExecution(executionId).then(
        (doc) => {
          if (doc && isSettled(doc.status)) finish(doc);
        },
        (err) => finish(null, err),
      );
    };
    const onAbort = () => finish(null);
    const unsubscribe = deps.events.subscribe((e) => {
      if (e.kind === 'execution' && isSettled(e.status)) check();
    }, executionId);
    const timer = setInterval(check, pollMs);
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
