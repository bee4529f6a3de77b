import assert from 'node:assert/strict';
import { echoWorkflow, startApi, type ApiHarness } from './support/api-harness';
import { rawRequest } from './support/raw-http';

describe('API hostile requests', () => {
  let api: ApiHarness;
  let wf: string;
  before(async () => {
    api = await startApi({ maxBodyBytes: 4096 });
    wf = await api.createWorkflow(echoWorkflow('hostile'));
  });
  after(() => api.close());

  const auth = () => ({ authorization: `Bearer ${api.keys.admin}` });

  it('malformed JSON is a 400 naming the body', async () => {
    for (const raw of ['{', '{"name": }', 'nul', '{"a":1}{"b":2}', '\u0000', "{'a':1}"]) {
      const r = await api.request('POST', '/api/v1/workflows', { raw, headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400, raw);
      assert.equal(r.body.error.code, 'WF_VALIDATION');
      assert.equal(r.body.error.details[0].path, 'body');
      assert.match(r.body.error.message, /malformed JSON/);
    }
  });

  it('bodies that are not application/json are a 415 (also without a content type)', async () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/json; charset=latin1' },
      {},
    ];
    for (const headers of cases) {
      const r = await rawRequest(api.url, 'POST', '/api/v1/workflows', {
        headers: { ...auth(), ...headers, 'content-length': '2' },
        body: '{}',
      });
      assert.equal(r.status, 415, JSON.stringify(headers));
      assert.equal(r.json().error.code, 'WF_UNSUPPORTED_MEDIA');
    }
    const ok = await api.request('POST', `/api/v1/workflows/${wf}/execute`, {
      raw: '{}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(ok.status, 202);
  });

  it('oversized bodies are a 413: by Content-Length, and while reading a chunked body', async () => {
    const big = JSON.stringify({ ...echoWorkflow('big'), description: 'x'.repeat(5000) });
    const declared = await api.request('POST', '/api/v1/workflows', { raw: big, headers: { 'content-type': 'application/json' } });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error.code, 'WF_PAYLOAD_TOO_LARGE');
    const chunked = await rawRequest(api.url, 'POST', '/api/v1/workflows', {
      headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [big.slice(0, 3000), big.slice(3000)],
    });
    assert.equal(chunked.status, 413);
    // the server is still fine afterwards
    assert.equal((await api.request('GET', '/healthz', { key: null })).status, 200);
  });

  it('__proto__, constructor and prototype keys are refused at any depth, also when unicode-escaped', async () => {
    const bodies: Array<[string, string]> = [
      ['{"__proto__": {"admin": true}}', 'body.__proto__'],
      ['{"inputs": {"a": {"b": {"__proto__": {"polluted": 1}}}}}', 'body.inputs.a.b.__proto__'],
      ['{"inputs": {"constructor": {"prototype": {"polluted": 1}}}}', 'body.inputs.constructor'],
      ['{"inputs": {"c": {"constructor": 1}}}', 'body.inputs.c.constructor'],
      ['{"inputs": [{"x": 1}, {"prototype": 1}]}', 'body.inputs[1].prototype'],
      ['{"inputs": {"\\u005f_proto__": {"polluted": 1}}}', 'body.inputs.__proto__'],
    ];
    for (const [raw, path] of bodies) {
      const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { raw, headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400, raw);
      assert.match(r.body.error.message, /"(__proto__|constructor|prototype)" is not allowed/, raw);
      assert.equal(r.body.error.details[0].path, path, raw);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    // names that merely contain those words are fine
    const ok = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { inputs: { prototypeId: 1, myconstructor: 2 } } });
    assert.equal(ok.status, 202);
  });

  it('deeply nested JSON is refused before parsing', async () => {
    const raw = `{"inputs":{"a":${'['.repeat(2000)}${']'.repeat(2000)}}}`;
    const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { raw, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /nested deeper/);
  });

  it('bodies on routes that take none are refused', async () => {
    const r = await rawRequest(api.url, 'DELETE', `/api/v1/workflows/${wf}`, {
      headers: { ...auth(), 'content-type': 'application/json', 'content-length': '2' },
      body: '{}',
    });
    assert.equal(r.status, 400);
    assert.equal((await api.request('GET', `/api/v1/workflows/${wf}`)).status, 200, 'nothing was deleted');
  });

  it('path tricks do not reach other routes', async () => {
    const cases: Array<[string, string, number[]]> = [
      ['GET', '/api/v1/%2e%2e/healthz', [404]],
      ['GET', '/api/v1/../v1/workflows', [404, 400]],
      ['GET', '//api/v1/workflows', [404]],
      ['GET', '/api/v1//workflows', [404]],
      ['GET', '/API/V1/WORKFLOWS', [200, 404]],
      ['GET', `/api/v1/workflows/${wf}%2Fexecute`, [400]],
      ['GET', '/api/v1/workflows/..%2F..%2Fhealthz', [400]],
      ['GET', '/api/v1/workflows/%00', [400]],
      ['GET', '/api/v1/executions/%E0%A4%A', [400]],
      ['GET', `/api/v1/workflows/${'a'.repeat(5000)}`, [400]],
    ];
    for (const [method, path, statuses] of cases) {
      const r = await rawRequest(api.url, method, path, { headers: auth() });
      assert.ok(statuses.includes(r.status), `${method} ${path.slice(0, 60)} → ${r.status} ${r.text.slice(0, 200)}`);
      assert.ok(r.json().error || r.status === 200, 'JSON errors');
    }
    const post = await rawRequest(api.url, 'POST', `/api/v1/workflows/${wf}%2Fexecute`, { headers: auth() });
    assert.equal(post.status, 405);
  });

  it('empty, malformed, tampered and very long bearer tokens are a 401', async () => {
    const headers = [
      'Bearer ',
      'Bearer',
      'bearer',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer weft_x_y',
      `Bearer ${api.keys.admin.slice(0, -1)}${api.keys.admin.endsWith('A') ? 'B' : 'A'}`,
      `Bearer ${api.keys.admin} extra`,
      `Bearer ${'a'.repeat(10_000)}`,
      `Bearer ${api.keys.admin}\u0000`.replace('\u0000', '%00'),
      "Bearer ' OR '1'='1",
    ];
    for (const authorization of headers) {
      const r = await api.request('GET', '/api/v1/workflows', { key: null, headers: { authorization } });
      assert.equal(r.status, 401, authorization.slice(0, 50));
      assert.equal(r.body.error.code, 'WF_UNAUTHORIZED');
    }
    const lower = await api.request('GET', '/api/v1/workflows', { key: null, headers: { authorization: `bearer ${api.keys.viewer}` } });
    assert.equal(lower.status, 200, 'the scheme is case-insensitive');
  });

  it('unknown methods get 405 with Allow; unknown paths a JSON 404', async () => {
    const r = await api.request('PATCH', `/api/v1/workflows/${wf}`, { body: {} });
    assert.equal(r.status, 405);
    assert.match(r.headers.get('allow') ?? '', /GET/);
    assert.equal(r.body.error.code, 'WF_METHOD_NOT_ALLOWED');
    const nf = await api.request('GET', '/api/v2/workflows');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, 'WF_NOT_FOUND');
  });
});
