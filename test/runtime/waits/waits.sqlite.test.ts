import assert from 'node:assert/strict';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from '../../api/support/api-harness';
import { makeTempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';

/** The `wait` node end to end in one process on real SQLite: timers, signals, cancel, validation. */
describe('wait nodes on SQLite (weft serve in process)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;
  let api: ApiHarness;

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel });
  });
  after(async () => {
    await api.close();
    await runtime.close();
    tmp.remove();
  });

  function workflow(name: string, wait: object, extra: object = {}): object {
    return {
      name,
      nodes: [
        { id: 'w', type: 'wait', config: wait },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { got: '{{ nodes.w.output }}' } } },
      ],
      edges: [{ from: 'w', to: 'after' }],
      outputs: { got: '{{ nodes.after.output.got }}' },
      ...extra,
    };
  }

  async function start(definition: object, inputs: object = {}): Promise<{ id: string; doc: any }> {
    const wf = await api.createWorkflow(definition);
    const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs }, key: api.keys.operator });
    assert.equal(r.status, 200, r.text);
    return { id: r.body.id, doc: r.body };
  }

  function ended(id: string, timeoutMs = 10_000): Promise<any> {
    return waitFor(
      async () => {
        const doc = (await api.request('GET', `/api/v1/executions/${id}`)).body;
        return ['succeeded', 'failed', 'cancelled', 'partially_succeeded'].includes(doc.status) ? doc : undefined;
      },
      `execution ${id} to end`,
      { timeoutMs: timeoutMs },
    );
  }

  const node = (doc: any, id: string) => doc.nodes.find((n: any) => n.nodeId === id);

  it('parks on a timer (execute with wait answers waiting; the executor holds nothing) and fires it', async () => {
    const { id, doc } = await start(workflow('timer', { durationMs: 300 }));
    assert.equal(doc.status, 'waiting');
    assert.equal(node(doc, 'w').status, 'waiting');
    assert.equal(runtime.kernel.executor.isActive(id), false);
    assert.equal(runtime.kernel.executor.activeCount, 0);
    const stored = (await api.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(stored.status, 'waiting');
    const listed = await api.request('GET', `/api/v1/workflows/${doc.workflowId}/executions?status=waiting`);
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.items.some((e: { id: string }) => e.id === id));
    const done = await ended(id);
    assert.equal(done.status, 'succeeded');
    const firedAt = Date.parse(node(done, 'w').output.firedAt);
    assert.ok(firedAt >= Date.parse(node(done, 'w').startedAt) + 300);
    assert.deepEqual(done.outputs.got, node(done, 'w').output);
  });

  it('delivers a signal with its payload to the waiting node', async () => {
    const { id, doc } = await start(workflow('approval', { signal: 'approve' }));
    assert.equal(doc.status, 'waiting');
    const r = await api.request('POST', `/api/v1/executions/${id}/signals/approve`, {
      body: { payload: { by: 'ann' } },
      key: api.keys.operator,
    });
    assert.equal(r.status, 202, r.text);
    const done = await ended(id);
    assert.equal(done.status, 'succeeded');
    assert.equal(node(done, 'w').output.signal, 'approve');
    assert.deepEqual(node(done, 'w').output.payload, { by: 'ann' });
    assert.equal(node(done, 'w').output.receivedAt, r.body.receivedAt);
    // finished: 409, and the viewer may not signal at all
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/signals/approve`, { body: {} })).status, 409);
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/signals/approve`, { body: {}, key: api.keys.viewer })).status, 403);
  });

  it('keeps a signal sent before its node waits, first in first out, and takes it when the node does', async () => {
    const def = {
      name: 'early',
      nodes: [
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 400 } } },
        { id: 'w1', type: 'wait', config: { signal: 'go' } },
        { id: 'w2', type: 'wait', config: { signal: 'go' } },
      ],
      edges: [
        { from: 'slow', to: 'w1' },
        { from: 'w1', to: 'w2' },
      ],
    };
    const wf = await api.createWorkflow(def);
    const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    const id = started.body.executionId;
    assert.equal(started.body.status, 'running');
    for (const n of [1, 2])
      assert.equal((await api.request('POST', `/api/v1/executions/${id}/signals/go`, { body: { payload: n } })).status, 202);
    const done = await ended(id);
    assert.equal(done.status, 'succeeded');
    assert.equal(node(done, 'w1').output.payload, 1);
    assert.equal(node(done, 'w2').output.payload, 2);
  });

  it('answers 404 for an unknown execution or a name no wait node declares, 400 for a bad name', async () => {
    const { id } = await start(workflow('declared', { signal: 'approve' }));
    const undeclared = await api.request('POST', `/api/v1/executions/${id}/signals/reject`, { body: {} });
    assert.equal(undeclared.status, 404);
    assert.match(undeclared.body.error.message, /signal "reject"/);
    assert.equal(
      (await api.request('POST', `/api/v1/executions/0193aaaa-0000-7000-8000-000000000000/signals/approve`, { body: {} })).status,
      404,
    );
    const bad = await api.request('POST', `/api/v1/executions/${id}/signals/${'x'.repeat(65)}`, { body: {} });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'params.name');
    await api.request('POST', `/api/v1/executions/${id}/cancel`, { body: {} });
  });

  it('refuses a signal payload over the body limit with 413 and keeps serving', async () => {
    const { id } = await start(workflow('big-signal', { signal: 'approve' }));
    const r = await api.request('POST', `/api/v1/executions/${id}/signals/approve`, { body: { payload: 'x'.repeat(70 * 1024) } });
    assert.equal(r.status, 413);
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/signals/approve`, { body: { payload: 'ok' } })).status, 202);
    assert.equal((await ended(id)).status, 'succeeded');
  });

  it('fails a signal wait past its timeoutMs with TimeoutError', async () => {
    const { id } = await start(workflow('timeout', { signal: 'approve', timeoutMs: 200 }));
    const done = await ended(id);
    assert.equal(done.status, 'failed');
    assert.equal(node(done, 'w').status, 'failed');
    assert.equal(node(done, 'w').error.type, 'TimeoutError');
    assert.equal(node(done, 'w').error.code, 'WF_SIGNAL_TIMEOUT');
    assert.equal(node(done, 'after').status, 'skipped');
  });

  it('counts waiting time against settings.timeoutMs', async () => {
    const { id } = await start(workflow('deadline', { signal: 'approve' }, { settings: { timeoutMs: 300 } }));
    const done = await ended(id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error.type, 'TimeoutError');
    assert.equal(done.error.code, 'WF_WORKFLOW_TIMEOUT');
    assert.equal(node(done, 'w').status, 'cancelled');
  });

  it('cancels a waiting execution like any other: it ends cancelled, its node cancelled, later signals 409', async () => {
    const { id } = await start(workflow('cancel-me', { signal: 'approve' }));
    const r = await api.request('POST', `/api/v1/executions/${id}/cancel`, {
      body: { reason: 'no longer needed' },
      key: api.keys.operator,
    });
    assert.equal(r.status, 202);
    const done = await ended(id);
    assert.equal(done.status, 'cancelled');
    assert.equal(node(done, 'w').status, 'cancelled');
    assert.equal(node(done, 'after').status, 'cancelled');
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/signals/approve`, { body: {} })).status, 409);
  });

  it('refuses waits beyond 366 days, node-level retry and timeoutMs, and two modes at once, at their paths', async () => {
    const hundredYears = 100 * 366 * 24 * 3600 * 1000;
    const cases: Array<[object, string]> = [
      [{ durationMs: hundredYears }, 'body.nodes[0].config.durationMs'],
      [{ until: '2126-01-01T00:00:00Z' }, 'body.nodes[0].config.until'],
      [{ until: 'next tuesday' }, 'body.nodes[0].config.until'],
      [{ durationMs: 5, signal: 'x' }, 'body.nodes[0].config'],
      [{ durationMs: 5, timeoutMs: 5 }, 'body.nodes[0].config.timeoutMs'],
    ];
    for (const [config, path] of cases) {
      const r = await api.request('POST', '/api/v1/workflows', { body: workflow('bad-wait', config) });
      assert.equal(r.status, 400, JSON.stringify(config));
      assert.ok(
        r.body.error.details.some((d: any) => d.path === path),
        `${JSON.stringify(config)}: ${JSON.stringify(r.body.error.details)}`,
      );
    }
    for (const key of ['retry', 'timeoutMs']) {
      const def: any = workflow('bad-wait', { durationMs: 5 });
      def.nodes[0][key] = key === 'retry' ? { maxAttempts: 2 } : 1000;
      const r = await api.request('POST', '/api/v1/workflows', { body: def });
      assert.equal(r.status, 400);
      assert.ok(
        r.body.error.details.some((d: any) => d.path === `body.nodes[0].${key}`),
        JSON.stringify(r.body.error.details),
      );
    }
  });

  it('fails the node when a templated until renders beyond 366 days', async () => {
    const { id, doc } = await start(workflow('templated-until', { until: '{{ inputs.when }}' }), { when: '2126-01-01T00:00:00Z' });
    assert.equal(doc.status, 'failed');
    assert.equal(node(doc, 'w').error.code, 'WF_WAIT_TOO_LONG');
    void id;
  });
});
