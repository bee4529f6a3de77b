import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../core/index';
import type { ApiMetrics } from '../metrics/api-metrics';
import type { ApiState } from '../routes/route-spec';

/** A client's `X-Request-Id` is kept only when it is short and plain (it ends up in logs). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Outermost middleware: gives the request an id (`X-Request-Id`), a logger bound to it, and on
 * the way out logs one structured line and records the latency histogram. Routes are logged by
 * their pattern so ids do not explode metric labels.
 */
export function requestLogMiddleware(logger: Logger, metrics: ApiMetrics): Middleware<ApiState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // the request-bound child logger is built on first use: most requests only log their summary line
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (log ??= logger.child({ reqId: requestId })),
      set: (value: Logger) => {
        log = value;
      },
      enumerable: true,
      configurable: true,
    });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute;
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      metrics.observeRequest(ctx.method, typeof route === 'string' ? route : 'unmatched', status, seconds);
      logger.info(
        {
          reqId: requestId,
          method: ctx.method,
          path: ctx.path.length > 200 ? `${ctx.path.slice(0, 200)}…` : ctx.path,
          route,
          status,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          keyId: ctx.state.apiKey?.id,
        },
        'request',
      );
    }
  };
}
