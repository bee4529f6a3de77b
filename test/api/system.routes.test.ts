import assert from 'node:assert/strict';
import { bind, Tokens, type ExecutionStore, type Logger } from '../../core/index';
import { InMemoryApiKeyStore } from '../../core/store/in-memory-api-key-store';
import { InMemoryWorkflowStore } from '../../core/store/in-memory-workflow-store';
import { InMemoryExecutionStore } from '../../core/store/in-memory-execution-store';
import { ROUTE_PERMISSIONS } from '../../api/routes/route-permissions';
import { echoWorkflow, startApi, type ApiHarness } from './support/api-harness';

/** A logger that keeps what it is given (the API must log 500s with their cause). */
function capturingLogger(lines: Array<Record<string, unknown>>, bindings: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (obj: object | string, msg?: string) =>
    lines.push({ level, ...bindings, ...(typeof obj === 'string' ? { msg: obj } : { ...obj, msg }) });
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (b) => capturingLogger(lines, { ...bindings, ...b }),
  };
}

describe('API system routes, metrics, logs and errors', () => {
  let api: ApiHarness;
  const lines: Array<Record<string, unknown>> = [];
  let failReads = false;
  before(async () => {
    const executions = new InMemoryExecutionStore();
    const flaky: ExecutionStore = Object.assign(Object.create(executions) as ExecutionStore, {
      getExecution: async (id: string) => {
        if (failReads) throw new Error('SQLITE_CORRUPT: database disk image is malformed at /secret/path/weft.sqlite');
        return executions.getExecution(id);
      },
    });
    api = await startApi({
      services: [
        bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()),
        bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()),
        bind(Tokens.ExecutionStore, () => flaky),
        bind(Tokens.Logger, () => capturingLogger(lines)),
      ],
    });
  });
  after(() => api.close());

  it('GET /healthz (root and /api/v1) needs no key', async () => {
    for (const p of ['/healthz', '/api/v1/healthz']) {
      const r = await api.request('GET', p, { key: null });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ok' });
    }
  });

  it('GET /openapi.json documents every route with its schemas and bearer security', async () => {
    const r = await api.request('GET', '/api/v1/openapi.json', { key: api.keys.viewer });
    assert.equal(r.status, 200);
    const doc = r.body;
    assert.match(doc.openapi, /^3\.1\./);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'a weft API key' });
    for (const key of Object.keys(ROUTE_PERMISSIONS)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      assert.ok(op, `${key} is documented`);
      assert.equal(op['x-weft-role'], ROUTE_PERMISSIONS[key]);
      assert.deepEqual(op.security, ROUTE_PERMISSIONS[key] === 'public' ? [] : [{ bearerAuth: [] }]);
    }
    const create = doc.paths['/api/v1/workflows'].post;
    assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['name', 'nodes']);
    assert.ok(create.responses['201']);
    const list = doc.paths['/api/v1/workflows/{id}/executions'].get;
    assert.deepEqual(
      list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['path:id', 'query:status', 'query:from', 'query:to', 'query:limit', 'query:cursor'],
    );
    assert.ok(JSON.stringify(doc).indexOf('Symbol') < 0);
  });

  it('GET /metrics counts executions by status, node durations, running executions and HTTP latency', async () => {
    const wf = await api.createWorkflow(echoWorkflow('metrics'));
    for (let i = 0; i < 2; i++) await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    const r = await api.request('GET', '/api/v1/metrics', { key: api.keys.viewer });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(r.text, /weft_executions_total\{status="succeeded"\} 2/);
    assert.match(r.text, /weft_node_duration_seconds_count\{status="succeeded"\} 2/);
    assert.match(r.text, /weft_running_executions 0/);
    assert.match(
      r.text,
      /weft_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/workflows\/:id\/execute",status="200"\} 2/,
    );
    assert.ok(!r.text.includes(wf), 'ids never become labels');
  });

  it('logs one structured line per request, and binds the execution id on lines about an execution', async () => {
    const wf = await api.createWorkflow(echoWorkflow('logs'));
    const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {}, headers: { 'x-request-id': 'req-42' } });
    assert.equal(r.headers.get('x-request-id'), 'req-42');
    const mine = lines.filter((l) => l.reqId === 'req-42');
    const request = mine.find((l) => l.msg === 'request')!;
    assert.equal(request.method, 'POST');
    assert.equal(request.route, '/api/v1/workflows/:id/execute');
    assert.equal(request.status, 202);
    assert.equal(typeof request.durationMs, 'number');
    assert.ok(mine.some((l) => l.msg === 'execution started' && l.executionId === r.body.executionId));
    assert.ok(!JSON.stringify(lines).includes(api.keys.admin), 'keys are never logged');
  });

  it('a non-weft failure is a 500 { code: WF_INTERNAL, message: internal error } with no internals, logged with its cause', async () => {
    failReads = true;
    try {
      const r = await api.request('GET', '/api/v1/executions/0190aaaa-0000-7000-8000-000000000000', {
        headers: { 'x-request-id': 'req-500' },
      });
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { error: { code: 'WF_INTERNAL', message: 'internal error' } });
      assert.ok(!r.text.includes('SQLITE') && !r.text.includes('/secret'));
      const logged = lines.find((l) => l.reqId === 'req-500' && l.level === 'error');
      assert.match(String((logged?.err as Error)?.message), /SQLITE_CORRUPT/);
    } finally {
      failReads = false;
    }
  });
});
