import { CancelledError, TimeoutError, WeftError } from '../../core/errors/weft-error';

/**
 * The weft error an aborted signal stands for: its `reason` when that is already a weft error
 * (the executor aborts with a `TimeoutError` or `CancelledError` of its own), a `TimeoutError`
 * for `AbortSignal.timeout()`, otherwise a `CancelledError`.
 */
export function abortError(signal: AbortSignal, what = 'the run'): WeftError {
  const reason: unknown = signal.reason;
  if (reason instanceof WeftError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(`${what} timed out: ${reason.message}`, { cause: reason });
  }
  const detail = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new CancelledError(`${what} was cancelled${detail}`, reason instanceof Error ? { cause: reason } : {});
}
