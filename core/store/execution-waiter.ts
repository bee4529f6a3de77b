import { TERMINAL_EXECUTION_STATUSES, type ExecutionDocument } from '../model/execution-document';
import type { EventBus } from '../events/event-bus';
import type { ExecutionStore } from './execution-store';

const TERMINAL = new Set<string>(TERMINAL_EXECUTION_STATUSES);

/** Whether an execution status is final. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/**
 * Resolves with the execution document once the execution is finished, for executions this
 * process may not run (an idempotency key matched an earlier one, a queued child, possibly run elsewhere):
 * the event bus wakes it up, a slow poll of the store covers executions in other processes.
 * Resolves null when `signal` aborts (the client went away). `settled` says which statuses end the
 * wait (default: the final ones).
 */
export function waitForFinish(
  executionId: string,
  deps: { events: EventBus; executions: ExecutionStore },
  signal: AbortSignal,
  pollMs = 500,
  settled: (status: string) => boolean = isTerminal,
): Promise<ExecutionDocument | null> {
  return new Promise((resolve, reject) => {
    let done = false;
    // a failure is boxed so that even a store rejecting with `undefined` rejects here, not resolves
    const finish = (doc: ExecutionDocument | null, failure?: { err: unknown }) => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      if (failure) reject(failure.err);
      else resolve(doc);
    };
    const check = () => {
      deps.executions.getExecution(executionId).then(
        (doc) => {
          if (doc && settled(doc.status)) finish(doc);
        },
        (err: unknown) => finish(null, { err }),
      );
    };
    const onAbort = () => finish(null);
    const unsubscribe = deps.events.subscribe((e) => {
      if (e.kind === 'execution' && settled(e.status)) check();
    }, executionId);
    const timer = setInterval(check, pollMs);
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
