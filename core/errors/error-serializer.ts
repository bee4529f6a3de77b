import { ErrorClasses, WeftError } from './weft-error';
import { ErrorCodes } from './error-codes';

/** The plain-JSON form of an error: what crosses isolates, threads, HTTP and the database. */
export interface SerializedError {
  type: string;
  code: string;
  message: string;
  stack?: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** Turns anything thrown into a {@link SerializedError} (non-weft errors become `NodeExecutionError`-like records of their own class name). */
export function serializeError(err: unknown, withStack = true): SerializedError {
  if (err instanceof WeftError) {
    const out: SerializedError = { type: err.type, code: err.code, message: err.message };
    if (withStack && err.stack) out.stack = err.stack;
    if (err.details !== undefined) out.details = err.details;
    if (err.retryAfterMs !== undefined) out.retryAfterMs = err.retryAfterMs;
    out.retryable = err.retryable;
    return out;
  }
  if (err instanceof Error) {
    const out: SerializedError = { type: err.name || 'Error', code: ErrorCodes.WF_NODE_FAILED, message: err.message, retryable: false };
    if (withStack && err.stack) out.stack = err.stack;
    return out;
  }
  return { type: 'Error', code: ErrorCodes.WF_NODE_FAILED, message: safeString(err), retryable: false };
}

/** Rebuilds a weft error from its serialised form by `type` (falling back to the base class). */
export function deserializeError(data: SerializedError): WeftError {
  const Cls = (ErrorClasses as Record<string, new (m: string, o?: object) => WeftError>)[data.type];
  const err = Cls
    ? new Cls(data.message, { code: data.code, details: data.details, retryAfterMs: data.retryAfterMs })
    : new ErrorClasses.NodeExecutionError(`${data.type}: ${data.message}`, { code: data.code, details: data.details });
  if (data.stack) err.stack = data.stack;
  return err;
}

/** Wraps a non-weft error so it carries a code; weft errors pass through. */
export function toWeftError(err: unknown): WeftError {
  if (err instanceof WeftError) return err;
  return deserializeError(serializeError(err));
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
