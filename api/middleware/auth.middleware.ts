import type { Middleware } from 'koa';
import { ForbiddenError, UnauthorizedError, type ApiKeyRecord } from '../../core/index';
import { roleAllows } from '../routes/route-permissions';
import { API_PREFIX, type ApiState, type RouteRole } from '../routes/route-spec';
import type { AuthFailureLimiter } from './auth-failure-limiter';

/** Longest bearer token handed to the key store; longer ones are invalid without a lookup. */
const MAX_TOKEN_LENGTH = 256;
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;
/** Liveness probes carry no key by design: they are not failed authentications. */
const LIVENESS = `${API_PREFIX}/healthz`;

/**
 * Reads `Authorization: Bearer <key>` and verifies it once per request, leaving the key's
 * record (or null) on `ctx.state.apiKey`. It rejects nothing itself: routes decide through
 * {@link authorize}, and the rate limiter uses the result to pick the key's or the address's bucket.
 * With `failures`, `/api/v1` requests without a valid key spend the address's budget, and past it
 * are refused (429) before the key is looked up.
 */
export function authenticate(
  keys: { verify(plainKey: string): Promise<ApiKeyRecord | null> },
  failures: AuthFailureLimiter | null = null,
): Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.state.apiKey = null;
    ctx.state.authFailed = false;
    // a webhook's Authorization header carries its own token, which is not an API key to look up
    if (ctx.path.startsWith('/hooks/')) return next();
    const limit = failures && ctx.path.startsWith(`${API_PREFIX}/`) && ctx.path !== LIVENESS ? failures : null;
    const address = ctx.ip || 'unknown';
    const header = ctx.get('authorization');
    const token = header ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
    const plausible = token !== undefined && token.length <= MAX_TOKEN_LENGTH && TOKEN_CHARS.test(token) ? token : null;
    if (limit) await limit.check(address, plausible);
    if (header) {
      const record = plausible ? await keys.verify(plausible) : null;
      ctx.state.apiKey = record;
      ctx.state.authFailed = record === null;
      if (record && failures) failures.trust(plausible!);
    }
    if (limit && !ctx.state.apiKey) await limit.fail(address);
    return next();
  };
}

/** Route guard: 401 without a valid key, 403 when the key's role is below `required`. */
export function authorize(required: RouteRole): Middleware<ApiState> {
  return async (ctx, next) => {
    if (required !== 'public') {
      const key = ctx.state.apiKey;
      if (!key) {
        ctx.set('WWW-Authenticate', 'Bearer realm="weft"');
        throw new UnauthorizedError(ctx.state.authFailed ? 'invalid API key' : 'missing API key (Authorization: Bearer <key>)');
      }
      if (!roleAllows(key.role, required)) {
        throw new ForbiddenError(`this route needs the ${required} role; the key has ${key.role}`);
      }
    }
    return next();
  };
}
