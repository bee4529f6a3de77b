import { existsSync } from 'node:fs';
import path from 'node:path';
import { send } from '@koa/send';
import type { Middleware } from 'koa';
import type { ApiState } from '../routes/route-spec';

/** Where `npm run build` puts the console (vite's outDir): `dist/web`, next to `dist/api`. */
export const CONSOLE_DIR = path.resolve(__dirname, '../../web');

/** The console's URL prefix; its pages are deep links under it (`/ui/executions/:id`). */
export const CONSOLE_PREFIX = '/ui';

/**
 * No inline scripts or styles, nothing from another origin: the bundle is self-contained and
 * talks only to this API. React sets element styles through the CSSOM, which `style-src` does
 * not govern, so React Flow's positioning needs no `unsafe-inline`.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite puts every hashed file under `assets/`; only those may be cached forever. */
const ASSETS = `${CONSOLE_PREFIX}/assets/`;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built console: `/` redirects to `/ui/`, `/ui/assets/*` are hashed files cached for a
 * year, and every other `/ui/...` path answers index.html (the single-page app routes on the
 * client, so a reload of a deep link works). @koa/send refuses paths that leave `dir`.
 * Everything else goes on to the API.
 */
export function consoleMiddleware(dir: string = CONSOLE_DIR): Middleware<ApiState> {
  const built = existsSync(path.join(dir, 'index.html'));
  return async (ctx, next) => {
    const p = ctx.path;
    if (p !== '/' && p !== CONSOLE_PREFIX && !p.startsWith(`${CONSOLE_PREFIX}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (p === '/' || p === CONSOLE_PREFIX) {
      ctx.status = 302;
      ctx.redirect(`${CONSOLE_PREFIX}/`);
      return;
    }
    commonHeaders(ctx);
    if (!built) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'the web console is not built: run `npm run build`';
      return;
    }
    if (p.startsWith(ASSETS)) {
      const served = await sendOrNull(ctx, p.slice(CONSOLE_PREFIX.length), dir);
      if (!served) {
        // a stale hashed name (an old tab after an upgrade) is a plain 404, never index.html
        ctx.status = 404;
        ctx.type = 'text/plain';
        ctx.body = 'not found';
      }
      return;
    }
    // the shell names the current hashed files, so it is revalidated on every load
    ctx.set('Cache-Control', 'no-cache');
    await send(ctx, 'index.html', { root: dir, gzip: false, brotli: false });
  };
}

function commonHeaders(ctx: Parameters<Middleware<ApiState>>[0]): void {
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
}

/** `send`, but a missing file or one outside the root (400/403/404 from @koa/send) answers null. */
async function sendOrNull(ctx: Parameters<Middleware<ApiState>>[0], file: string, root: string): Promise<string | null> {
  try {
    const sent = await send(ctx, file, { root, gzip: false, brotli: false, hidden: false, format: false });
    if (sent) ctx.set('Cache-Control', IMMUTABLE);
    return sent || null;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 400 || status === 403 || status === 404) return null;
    throw err;
  }
}
