import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../runtime/composition/build-runtime';
import { makeTempDir } from '../support/sqlite-temp';
import { startApi, type ApiHarness } from './support/api-harness';
import { waitFor } from '../support/wait-for';

const SECRET = 'whsec-0123456789abcdef';
const TOKEN = 'hook-token-abcdef0123456789';

function sign(body: string, t = Math.floor(Date.now() / 1000), secret = SECRET): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

function hookedWorkflow(name: string): object {
  return {
    name,
    nodes: [
      {
        id: 'echo',
        type: 'tool',
        config: { tool: 'core.echo', input: { body: '{{ inputs.body }}', query: '{{ inputs.query }}', headers: '{{ inputs.headers }}' } },
      },
      { id: 'maybeFail', type: 'tool', config: { tool: 'core.echo', input: { x: '{{ inputs.body.mustExist }}' } } },
    ],
    edges: [{ from: 'echo', to: 'maybeFail' }],
    outputs: { got: '{{ nodes.echo.output }}' },
    triggers: [
      { type: 'webhook', name: 'orders', auth: { hmac: { secret: 'HOOK_SECRET' } }, headers: ['X-Delivery'] },
      { type: 'webhook', name: 'sync', auth: { hmac: { secret: 'HOOK_SECRET' } }, respond: 'outputs', timeoutMs: 10_000 },
      { type: 'webhook', name: 'tok', auth: { token: { secret: 'HOOK_TOKEN' } } },
    ],
  };
}

describe('webhook triggers (POST /hooks/:workflowId/:name)', () => {
  let api: ApiHarness;
  let wf: string;
  before(async () => {
    api = await startApi({ maxBodyBytes: 1024 * 1024, hookRateLimitPerMinute: 1000 });
    assert.equal((await api.request('PUT', '/api/v1/secrets/HOOK_SECRET', { body: { value: SECRET } })).status, 204);
    assert.equal((await api.request('PUT', '/api/v1/secrets/HOOK_TOKEN', { body: { value: TOKEN } })).status, 204);
    wf = await api.createWorkflow(hookedWorkflow('hooked'));
  });
  after(() => api.close());

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    api.request('POST', path, { key: null, raw: body, headers });
  const executions = async () =>
    (await api.request('GET', `/api/v1/workflows/${wf}/executions?limit=200`)).body.items as Array<{ id: string }>;
  const waitDone = (id: string) =>
    waitFor(async () => {
      const r = await api.request('GET', `/api/v1/executions/${id}`);
      return r.status === 200 && !['pending', 'running'].includes(r.body.status) && r.body;
    }, `execution ${id} to finish`);

  it('starts an execution for a valid signature, with { body, query, headers } as inputs and trigger "webhook"', async () => {
    const body = JSON.stringify({ order: 42, mustExist: true });
    const r = await post(`/hooks/${wf}/orders?src=shop&tag=a&tag=b`, body, {
      'content-type': 'application/json',
      'x-weft-signature': sign(body),
      'x-delivery': 'd-1',
      'x-other': 'not passed',
      cookie: 'nope',
    });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.body), ['executionId']);
    const doc = await waitDone(r.body.executionId);
    assert.equal(doc.trigger, 'webhook');
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(doc.inputs, {
      body: { order: 42, mustExist: true },
      query: { src: 'shop', tag: ['a', 'b'] },
      headers: { 'content-type': 'application/json', 'x-delivery': 'd-1' },
    });
  });

  it('parses a form body (repeated keys as arrays) and a text/plain body as the raw string', async () => {
    const form = 'a=1&b=2&b=3&mustExist=yes';
    const f = await post(`/hooks/${wf}/orders`, form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-weft-signature': sign(form),
    });
    assert.equal(f.status, 202, f.text);
    assert.deepEqual((await waitDone(f.body.executionId)).inputs.body, { a: '1', b: ['2', '3'], mustExist: 'yes' });
    const text = 'plain words';
    const t = await post(`/hooks/${wf}/orders`, text, { 'content-type': 'text/plain; charset=utf-8', 'x-weft-signature': sign(text) });
    assert.equal(t.status, 202, t.text);
    assert.equal((await waitDone(t.body.executionId)).inputs.body, 'plain words');
  });

  it('refuses wrong, expired, replayed and missing signatures, unknown hooks, big, hostile and unsupported bodies, recording no execution', async () => {
    const before = (await executions()).length;
    const body = JSON.stringify({ order: 1 });
    const now = Math.floor(Date.now() / 1000);
    const unauthorized = { error: { code: 'WF_UNAUTHORIZED', message: 'invalid or expired signature' } };
    const cases: Array<[string, Promise<{ status: number; body: any; text: string }>]> = [
      [
        'wrong secret',
        post(`/hooks/${wf}/orders`, body, {
          'content-type': 'application/json',
          'x-weft-signature': sign(body, now, 'another-secret-xyz'),
        }),
      ],
      [
        'older than 5 minutes',
        post(`/hooks/${wf}/orders`, body, { 'content-type': 'application/json', 'x-weft-signature': sign(body, now - 301) }),
      ],
      [
        'from the future',
        post(`/hooks/${wf}/orders`, body, { 'content-type': 'application/json', 'x-weft-signature': sign(body, now + 360) }),
      ],
      [
        'replayed: new t, old signature',
        post(`/hooks/${wf}/orders`, body, {
          'content-type': 'application/json',
          'x-weft-signature': sign(body, now - 400).replace(/^t=\d+/, `t=${now}`),
        }),
      ],
      [
        'body changed',
        post(`/hooks/${wf}/orders`, JSON.stringify({ order: 2 }), {
          'content-type': 'application/json',
          'x-weft-signature': sign(body, now),
        }),
      ],
      ['missing header', post(`/hooks/${wf}/orders`, body, { 'content-type': 'application/json' })],
      ['malformed header', post(`/hooks/${wf}/orders`, body, { 'content-type': 'application/json', 'x-weft-signature': 'v1=zz,t=abc' })],
      [
        'token hook, wrong token',
        post(`/hooks/${wf}/tok`, body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}x` }),
      ],
    ];
    for (const [what, pending] of cases) {
      const r = await pending;
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.deepEqual(r.body, unauthorized, what);
    }
    const unknownHook = await post(`/hooks/${wf}/nope`, body, { 'content-type': 'application/json', 'x-weft-signature': sign(body) });
    const unknownWorkflow = await post(`/hooks/wf_missing/orders`, body, {
      'content-type': 'application/json',
      'x-weft-signature': sign(body),
    });
    assert.equal(unknownHook.status, 404);
    assert.equal(unknownWorkflow.status, 404);
    assert.equal(unknownHook.text, unknownWorkflow.text, 'an unknown hook and an unknown workflow answer the same');
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    const large = await post(`/hooks/${wf}/orders`, big, { 'content-type': 'text/plain', 'x-weft-signature': sign(big.toString()) });
    assert.equal(large.status, 413, large.text);
    const proto = '{"__proto__":{"polluted":true},"mustExist":1}';
    const hostile = await post(`/hooks/${wf}/orders`, proto, { 'content-type': 'application/json', 'x-weft-signature': sign(proto) });
    assert.equal(hostile.status, 400, hostile.text);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    const protoForm = '__proto__=x';
    assert.equal(
      (
        await post(`/hooks/${wf}/orders`, protoForm, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-weft-signature': sign(protoForm),
        })
      ).status,
      400,
    );
    const xml = '<a/>';
    const unsupported = await post(`/hooks/${wf}/orders`, xml, { 'content-type': 'application/xml', 'x-weft-signature': sign(xml) });
    assert.equal(unsupported.status, 415, unsupported.text);
    assert.equal((await executions()).length, before, 'no execution recorded for a refused request');
  });

  it('accepts a request signed as the README shows, with openssl and curl', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const snippet = /```sh\n(SECRET=[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(snippet, 'the README has the signing example');
    const script = snippet.replace(/^SECRET=.*$/m, `SECRET='${SECRET}'`).replace('http://127.0.0.1:8080', api.url);
    // asynchronously: the server answering curl runs in this process
    const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
      env: { ...process.env, WF: wf },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const id = JSON.parse(out).executionId;
    assert.equal((await waitDone(id)).trigger, 'webhook');
  });

  it('accepts a bearer token from a secret; a sender echoing it in the body is recorded redacted', async () => {
    const body = JSON.stringify({ mustExist: 1, echoed: `token ${TOKEN}` });
    const r = await post(`/hooks/${wf}/tok`, body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 202, r.text);
    const doc = await waitDone(r.body.executionId);
    assert.equal(doc.inputs.body.echoed, 'token [secret:HOOK_TOKEN]');
    assert.ok(!JSON.stringify(doc).includes(TOKEN));
  });

  it('answers the workflow outputs with respond: "outputs" (200), and { error } without a stack when the execution failed (500)', async () => {
    const body = JSON.stringify({ mustExist: 'yes' });
    const ok = await post(`/hooks/${wf}/sync`, body, { 'content-type': 'application/json', 'x-weft-signature': sign(body) });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body, { got: { body: { mustExist: 'yes' }, query: {}, headers: { 'content-type': 'application/json' } } });
    const bad = JSON.stringify({ other: 1 });
    const failed = await post(`/hooks/${wf}/sync`, bad, { 'content-type': 'application/json', 'x-weft-signature': sign(bad) });
    assert.equal(failed.status, 500, failed.text);
    assert.deepEqual(Object.keys(failed.body.error).sort(), ['code', 'message', 'type']);
    assert.equal(failed.body.error.type, 'TemplateError');
    assert.ok(!failed.text.includes('    at '), 'no stack');
  });

  it('answers 202 { executionId } with respond: "outputs" when the execution is still running after timeoutMs', async () => {
    const slow = await api.createWorkflow({
      name: 'hooked-slow',
      nodes: [{ id: 'nap', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000 } } }],
      outputs: { done: true },
      triggers: [{ type: 'webhook', name: 'sync', auth: { hmac: { secret: 'HOOK_SECRET' } }, respond: 'outputs', timeoutMs: 100 }],
    });
    await answersAcceptedWhileUnfinished(api, slow, 'running');
  });

  it('starts one execution for the same Idempotency-Key twice (the repeat answers 202 with the first id)', async () => {
    const before = (await executions()).length;
    const body = JSON.stringify({ mustExist: 1 });
    const headers = { 'content-type': 'application/json', 'x-weft-signature': sign(body), 'idempotency-key': 'delivery-77' };
    const first = await post(`/hooks/${wf}/orders`, body, headers);
    const second = await post(`/hooks/${wf}/orders`, body, headers);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(second.body.executionId, first.body.executionId);
    assert.equal((await executions()).length, before + 1);
    const doc = await waitDone(first.body.executionId);
    assert.equal(doc.idempotencyKey, 'webhook:orders:delivery-77');
  });

  it('refuses API idempotency keys starting "schedule:" or "webhook:" (400)', async () => {
    for (const key of ['schedule:x:2026', 'webhook:orders:delivery-77']) {
      const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { key: api.keys.operator, body: { idempotencyKey: key } });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.details[0].path, 'body.idempotencyKey');
    }
  });

  it('checks at save time that the trigger secret exists and that headers name no credentials', async () => {
    const def = hookedWorkflow('unsaved') as { triggers: Array<Record<string, unknown>> };
    def.triggers = [
      { type: 'webhook', name: 'a', auth: { hmac: { secret: 'NO_SUCH_SECRET' } } },
      { type: 'webhook', name: 'b', auth: { token: { secret: 'HOOK_TOKEN' } }, headers: ['Authorization'] },
    ];
    const r = await api.request('POST', '/api/v1/workflows', { body: def });
    assert.equal(r.status, 400, r.text);
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes('body.triggers[1].headers[0]'), JSON.stringify(paths));
    const missing = await api.request('POST', '/api/v1/workflows', { body: { ...def, triggers: [def.triggers[0]] } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.details[0].path, 'body.triggers[0].auth.hmac.secret');
    assert.match(missing.body.error.details[0].message, /secret "NO_SUCH_SECRET" does not exist/);
  });

  it('limits each hook per minute (429 with Retry-After), recording nothing for the refused requests', async () => {
    const limited = await startApi({ hookRateLimitPerMinute: 3 });
    try {
      await limited.request('PUT', '/api/v1/secrets/HOOK_SECRET', { body: { value: SECRET } });
      await limited.request('PUT', '/api/v1/secrets/HOOK_TOKEN', { body: { value: TOKEN } });
      const id = await limited.createWorkflow(hookedWorkflow('limited'));
      const body = JSON.stringify({ mustExist: 1 });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await limited.request('POST', `/hooks/${id}/orders`, {
          key: null,
          raw: body,
          headers: { 'content-type': 'application/json', 'x-weft-signature': sign(body) },
        });
        statuses.push(r.status);
        if (r.status === 429) retryAfter ??= r.headers.get('retry-after');
      }
      assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
      assert.ok(Number(retryAfter) >= 1);
      const other = await limited.request('POST', `/hooks/${id}/tok`, {
        key: null,
        raw: body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(other.status, 202, 'another hook has its own budget');
      const listed = await limited.request('GET', `/api/v1/workflows/${id}/executions`);
      assert.equal(listed.body.items.length, 4);
    } finally {
      await limited.close();
    }
  });
});

/** POSTs to the workflow's `sync` hook (respond: "outputs"): 202 `{ executionId }` while the execution is `status`; then cancels it. */
async function answersAcceptedWhileUnfinished(api: ApiHarness, wf: string, status: string): Promise<void> {
  const body = '{}';
  const r = await api.request('POST', `/hooks/${wf}/sync`, {
    key: null,
    raw: body,
    headers: { 'content-type': 'application/json', 'x-weft-signature': sign(body) },
  });
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(Object.keys(r.body), ['executionId']);
  const id = r.body.executionId as string;
  assert.equal((await api.request('GET', `/api/v1/executions/${id}`)).body.status, status);
  assert.equal((await api.request('POST', `/api/v1/executions/${id}/cancel`)).status, 202);
}

describe('webhook respond: "outputs" on SQLite, execution parked on a wait', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;
  let api: ApiHarness;
  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    api = await startApi({ kernel: runtime.kernel });
    assert.equal((await api.request('PUT', '/api/v1/secrets/HOOK_SECRET', { body: { value: SECRET } })).status, 204);
  });
  after(async () => {
    await api.close();
    await runtime.close();
    tmp.remove();
  });

  it('answers 202 { executionId } (not 200 with empty outputs) when the execution parks before timeoutMs', async () => {
    const parks = await api.createWorkflow({
      name: 'hooked-parks',
      nodes: [{ id: 'park', type: 'wait', config: { signal: 'go' } }],
      outputs: { done: true },
      triggers: [{ type: 'webhook', name: 'sync', auth: { hmac: { secret: 'HOOK_SECRET' } }, respond: 'outputs', timeoutMs: 20_000 }],
    });
    await answersAcceptedWhileUnfinished(api, parks, 'waiting');
  });
});
