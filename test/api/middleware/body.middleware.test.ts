import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { bodyMiddleware } from '../../../api/middleware/body.middleware';
import { errorMiddleware } from '../../../api/middleware/error.middleware';
import { koaRequestListener } from '../../../api/koa-request-listener';
import type { ApiState } from '../../../api/routes/route-spec';
import { rawRequest } from '../support/raw-http';

describe('body middleware (@koa/bodyparser + secure-json-parse)', () => {
  let server: Server;
  let url = '';
  let seen: { body: unknown; rawBody: unknown } | undefined;
  before(async () => {
    const app = new Koa<ApiState>();
    app.silent = true;
    app.use(async (ctx, next) => {
      ctx.state.log = {
        error() {},
        warn() {},
        info() {},
        debug() {},
        child() {
          return this;
        },
      };
      await next();
    });
    app.use(errorMiddleware());
    app.use(bodyMiddleware({ maxBytes: 1024, accepts: true }));
    app.use((ctx) => {
      seen = { body: ctx.state.body, rawBody: (ctx.request as { rawBody?: unknown }).rawBody };
      ctx.body = { ok: true };
    });
    server = createServer(koaRequestListener(app));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('keeps the exact text of the body in ctx.request.rawBody beside the parsed value', async () => {
    const text = '{ "a" : [1, 2.50, "é"] }';
    const r = await rawRequest(url, 'POST', '/', {
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      body: text,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(seen, { body: { a: [1, 2.5, 'é'] }, rawBody: text });
  });

  it('refuses a body that is not valid UTF-8 with 400 instead of decoding it with U+FFFD', async () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}')]);
      seen = undefined;
      const r = await rawRequest(url, 'POST', '/', {
        headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) },
        body: bytes,
      });
      assert.equal(r.status, 400, `bytes ${Buffer.from(bad).toString('hex')}: ${r.text}`);
      assert.equal(r.json().error.message, 'the body is not valid UTF-8');
      assert.equal(seen, undefined);
    }
  });

  it('decodes UTF-8 split across chunks, and keeps a U+FFFD the client really sent', async () => {
    const text = '{"s":"é€😀\ufffd�"}';
    const bytes = Buffer.from(text);
    // every multi-byte character is cut between two chunks
    const chunks = [7, 9, 13, 16].map((end, i, ends) => bytes.subarray(ends[i - 1] ?? 0, end)).concat(bytes.subarray(16));
    const r = await rawRequest(url, 'POST', '/', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(seen, { body: { s: 'é€😀\ufffd\ufffd' }, rawBody: text });
  });

  it('names the path of a forbidden key, and never lets it reach a prototype', async () => {
    const text = '{"x": [{"y": {"__proto__": {"polluted": true}}}]}';
    const r = await rawRequest(url, 'POST', '/', {
      headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
      body: text,
    });
    assert.equal(r.status, 400);
    assert.equal(r.json().error.details[0].path, 'body.x[0].y.__proto__');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
