import type { Middleware } from 'koa';
import { ConflictError, ErrorCodes, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError, WeftError } from '../../core/index';
import { MethodNotAllowedError, PayloadTooLargeError, RateLimitedError, UnsupportedMediaTypeError } from '../errors/api-errors';
import type { ApiState } from '../routes/route-spec';

/** weft error class → HTTP status; anything else is a 500. */
const STATUS_BY_CLASS: ReadonlyArray<readonly [new (...args: any[]) => WeftError, number]> = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
];

/** The status of an error, or 500. */
export function statusOf(err: unknown): number {
  if (err instanceof WeftError) for (const [Cls, status] of STATUS_BY_CLASS) if (err instanceof Cls) return status;
  return 500;
}

/**
 * The one error middleware: every failure becomes `{ error: { code, message, details? } }`
 * with the status of its class. 500s say `internal error` and nothing else; the error itself
 * is logged with the request id.
 */
export function errorMiddleware(): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const status = statusOf(err);
      if (ctx.respond === false || ctx.headerSent) {
        // a streamed response (SSE) already started: nothing can be sent, only logged
        ctx.state.log?.error({ err }, 'error after the response started');
        return;
      }
      if (status === 500) {
        ctx.state.log?.error({ err }, 'internal error');
        ctx.status = 500;
        ctx.body = { error: { code: ErrorCodes.WF_INTERNAL, message: 'internal error' } };
        return;
      }
      const e = err as WeftError;
      if (status === 429 && e.retryAfterMs !== undefined) ctx.set('Retry-After', String(Math.ceil(e.retryAfterMs / 1000)));
      if (status === 405 && Array.isArray(e.details)) ctx.set('Allow', (e.details as string[]).join(', '));
      ctx.status = status;
      ctx.body = {
        error: e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details },
      };
    }
  };
}
