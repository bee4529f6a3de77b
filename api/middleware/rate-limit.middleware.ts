import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/api-errors';
import type { ApiState } from '../routes/route-spec';

/**
 * Per-minute rate limiting (DESIGN.md: per key, and per address without a valid key).
 * The address is `ctx.ip`: the socket's peer unless the app trusts a proxy (`app.proxy`,
 * `config.trustProxy`), so a client cannot rotate `X-Forwarded-For` to get fresh buckets.
 * Runs after {@link authenticate} so a valid key gets its own bucket; bad keys count against
 * the address, which also slows key guessing.
 */
export function rateLimitMiddleware(perMinute: number): Middleware<ApiState> {
  const byKey = new RateLimiterMemory({ keyPrefix: 'key', points: perMinute, duration: 60 });
  const byAddress = new RateLimiterMemory({ keyPrefix: 'addr', points: perMinute, duration: 60 });
  return async (ctx, next) => {
    const key = ctx.state.apiKey;
    try {
      if (key) await byKey.consume(key.id);
      else await byAddress.consume(ctx.ip || 'unknown');
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new RateLimitedError(`rate limit of ${perMinute} requests per minute exceeded; retry in ${seconds} s`, {
          retryAfterMs: seconds * 1000,
        });
      }
      throw err;
    }
    return next();
  };
}
