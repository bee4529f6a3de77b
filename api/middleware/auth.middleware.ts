import type { Middleware } from 'koa';
import { ForbiddenError, UnauthorizedError, type ApiKeyRecord } from '../../core/index';
import { roleAllows } from '../routes/route-permissions';
import type { ApiState, RouteRole } from '../routes/route-spec';

/** Longest bearer token handed to the key store; longer ones are invalid without a lookup. */
const MAX_TOKEN_LENGTH = 256;
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * Reads `Authorization: Bearer <key>` and verifies it once per request, leaving the key's
 * record (or null) on `ctx.state.apiKey`. It rejects nothing itself: routes decide through
 * {@link authorize}, and the rate limiter uses the result to pick the key's or the address's bucket.
 */
export function authenticate(keys: { verify(plainKey: string): Promise<ApiKeyRecord | null> }): Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.state.apiKey = null;
    ctx.state.authFailed = false;
    const header = ctx.get('authorization');
    if (header) {
      const m = /^Bearer +(\S+) *$/i.exec(header);
      const token = m?.[1];
      const record =
        token && token.length <= MAX_TOKEN_LENGTH && TOKEN_CHARS.test(token) ? await keys.verify(token) : null;
      ctx.state.apiKey = record;
      ctx.state.authFailed = record === null;
    }
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
