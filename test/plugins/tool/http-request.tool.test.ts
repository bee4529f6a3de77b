import assert from 'node:assert/strict';
import { ErrorCodes, NodeExecutionError, TimeoutError, TransientError } from '../../../core';
import { AjvToolRegistry } from '../../../plugins/tool/tool-registry';
import { createHttpRequestTool } from '../../../plugins/tool/http-request.tool';
import { FlakyServer, type FlakyServerOptions } from '../../support/flaky-server';
import { makeRunContext } from './node-run-context';
import { rejectionOf } from './rejection-of';
import { waitFor } from '../../support/wait-for';

describe('http.request tool', () => {
  const servers: FlakyServer[] = [];
  const tools = new AjvToolRegistry([createHttpRequestTool({ maxResponseBytes: 1000 })]);
  const call = (input: unknown, signal?: AbortSignal) =>
    tools.invoke('http.request', input, makeRunContext(signal ? { signal } : {})) as Promise<{
      status: number;
      headers: Record<string, string>;
      body: unknown;
    }>;
  async function server(options: FlakyServerOptions = {}): Promise<FlakyServer> {
    const s = await FlakyServer.start(options);
    servers.push(s);
    return s;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('GETs JSON and parses the body', async () => {
    const s = await server({ body: { total: 42, items: [1, 2] }, headers: { 'x-trace': 'abc' } });
    const out = await call({ url: `${s.url}/orders?x=1` });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { total: 42, items: [1, 2] });
    assert.equal(out.headers['content-type'], 'application/json');
    assert.equal(out.headers['x-trace'], 'abc');
    assert.deepEqual(
      s.requests.map((r) => [r.method, r.url]),
      [['GET', '/orders?x=1']],
    );
  });

  it('returns text for non-JSON responses and parses +json types', async () => {
    const text = await server({ body: 'plain words' });
    assert.equal((await call({ url: text.url })).body, 'plain words');
    const problem = await server({ body: '{"title":"x"}', contentType: 'application/problem+json; charset=utf-8' });
    assert.deepEqual((await call({ url: problem.url })).body, { title: 'x' });
  });

  it('JSON-encodes a non-string body and sends a string body as is, with headers', async () => {
    const s = await server();
    await call({ url: s.url, method: 'POST', body: { a: [1, 'two'] }, headers: { 'x-n': 7, 'x-b': true } });
    await call({ url: s.url, method: 'PUT', body: 'raw=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const [post, put] = s.requests;
    assert.ok(post && put, `two requests, got ${s.requests.length}`);
    assert.equal(post.method, 'POST');
    assert.equal(post.body, '{"a":[1,"two"]}');
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(post.headers['x-n'], '7');
    assert.equal(post.headers['x-b'], 'true');
    assert.equal(put.body, 'raw=1');
    assert.equal(put.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('fails a 5xx with a retryable TransientError whose message is "<METHOD> <url> returned <status>"', async () => {
    const s = await server({ failures: 1, failStatus: 503 });
    const url = `${s.url}/orders`;
    const err = await rejectionOf(call({ url, method: 'POST', body: {} }));
    assert.ok(err instanceof TransientError);
    assert.equal(err.code, ErrorCodes.WF_HTTP_STATUS);
    assert.equal(err.message, `POST ${url} returned 503`);
    assert.equal(err.retryable, true);
    assert.equal(err.retryAfterMs, undefined);
    assert.deepEqual(err.details, { status: 503, body: '{"error":"failure","request":1}' });
    // the next call succeeds: the failure was transient
    assert.equal((await call({ url })).status, 200);
  });

  it('fails a 429 with a TransientError carrying Retry-After (seconds or HTTP date)', async () => {
    const secs = await server({ failures: 1, failStatus: 429, retryAfter: '2' });
    const e1 = await rejectionOf(call({ url: secs.url }));
    assert.ok(e1 instanceof TransientError);
    assert.equal(e1.message, `GET ${secs.url} returned 429`);
    assert.equal(e1.retryAfterMs, 2000);
    const date = await server({ failures: 1, failStatus: 503, retryAfter: new Date(Date.now() + 3_600_000).toUTCString() });
    const e2 = await rejectionOf(call({ url: date.url }));
    assert.ok(e2.retryAfterMs > 3_000_000 && e2.retryAfterMs <= 3_600_000, `retryAfterMs ${e2.retryAfterMs}`);
  });

  it('fails a 404 with a NodeExecutionError that is not retryable', async () => {
    const s = await server({ failures: 1, failStatus: 404 });
    const err = await rejectionOf(call({ url: `${s.url}/missing`, method: 'DELETE' }));
    assert.ok(err instanceof NodeExecutionError);
    assert.equal(err.code, ErrorCodes.WF_HTTP_STATUS);
    assert.equal(err.message, `DELETE ${s.url}/missing returned 404`);
    assert.equal(err.retryable, false);
  });

  it('turns a refused connection into a TransientError (WF_HTTP_NETWORK)', async () => {
    const s = await FlakyServer.start();
    await s.close();
    const err = await rejectionOf(call({ url: `${s.url}/x` }));
    assert.ok(err instanceof TransientError);
    assert.equal(err.code, ErrorCodes.WF_HTTP_NETWORK);
    assert.match(err.message, new RegExp(`^GET ${s.url}/x failed: ECONNREFUSED`));
  });

  it('turns a dropped connection into a TransientError (WF_HTTP_NETWORK)', async () => {
    const s = await server({ failures: 1, failMode: 'destroy' });
    const err = await rejectionOf(call({ url: s.url }));
    assert.ok(err instanceof TransientError);
    assert.equal(err.code, ErrorCodes.WF_HTTP_NETWORK);
    assert.equal(s.count, 1);
  });

  it('fails with a retryable TimeoutError after timeoutMs', async () => {
    const s = await server({ delayMs: 10_000 });
    const err = await rejectionOf(call({ url: s.url, timeoutMs: 50 }));
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.code, ErrorCodes.WF_TIMEOUT);
    assert.equal(err.message, `GET ${s.url} timed out after 50 ms`);
    assert.equal(err.retryable, true);
  });

  it('rethrows the signal reason when the node is cancelled mid-request', async () => {
    const s = await server({ delayMs: 10_000 });
    const ac = new AbortController();
    const pending = rejectionOf(call({ url: s.url }, ac.signal));
    await waitFor(() => s.count > 0, 'the request to reach the server');
    const reason = new Error('execution cancelled');
    ac.abort(reason);
    assert.equal(await pending, reason);
  });

  it('refuses a response above the size cap, by content-length or while streaming', async () => {
    const big = 'x'.repeat(5000);
    for (const chunked of [false, true]) {
      const s = await server({ body: big, chunked });
      const err = await rejectionOf(call({ url: s.url }));
      assert.ok(err instanceof NodeExecutionError);
      assert.equal(err.code, ErrorCodes.WF_HTTP_RESPONSE_TOO_LARGE);
      assert.equal(err.message, `GET ${s.url} response body exceeds 1000 bytes`);
    }
  });

  it('fails clearly on invalid JSON, and returns null for an empty JSON body', async () => {
    const bad = await server({ body: '{"unterminated', contentType: 'application/json' });
    const err = await rejectionOf(call({ url: bad.url }));
    assert.ok(err instanceof NodeExecutionError);
    assert.match(err.message, new RegExp(`^GET ${bad.url} returned invalid JSON: `));
    const head = await server({ body: { a: 1 } });
    const out = await call({ url: head.url, method: 'HEAD' });
    assert.equal(out.status, 200);
    assert.equal(out.body, null);
  });

  it('rejects bodies on GET and credentials in the URL before sending anything', async () => {
    const s = await server();
    const e1 = await rejectionOf(call({ url: s.url, body: { a: 1 } }));
    assert.equal(e1.code, ErrorCodes.WF_TOOL_INPUT);
    assert.equal(e1.message, 'tool "http.request" input: /body is not allowed with GET');
    const e2 = await rejectionOf(call({ url: s.url.replace('http://', 'http://user:pw@') }));
    assert.equal(e2.code, ErrorCodes.WF_TOOL_INPUT);
    assert.match(e2.message, /must not contain credentials/);
    assert.equal(s.count, 0);
  });
});
