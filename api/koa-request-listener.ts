import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * A Koa app's handler as a `node:http` request listener. Koa answers a failed request itself
 * (`ctx.onerror`), so the promise its handler returns never rejects and is not awaited here.
 */
export function koaRequestListener(app: { callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void> }): RequestListener {
  const handle = app.callback();
  return (req, res) => void handle(req, res);
}
