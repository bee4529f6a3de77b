import assert from 'node:assert/strict';
import { echoWorkflow, sleepWorkflow, startApi, type ApiHarness } from './support/api-harness';
import { waitFor } from '../support/wait-for';

describe('API executions routes', () => {
  let api: ApiHarness;
  let echoId: string;
  before(async () => {
    api = await startApi();
    echoId = await api.createWorkflow(echoWorkflow());
  });
  after(() => api.close());

  it('execute: 202 { executionId, status } + Location, then the document is readable', async () => {
    const r = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, { key: api.keys.operator, body: { inputs: { msg: 'yo' } } });
    assert.equal(r.status, 202);
    assert.deepEqual(Object.keys(r.body).sort(), ['executionId', 'status']);
    assert.equal(r.headers.get('location'), `/api/v1/executions/${r.body.executionId}`);
    const doc = await waitFor(async () => {
      const d = await api.request('GET', `/api/v1/executions/${r.body.executionId}`, { key: api.keys.viewer });
      return d.body.status === 'succeeded' ? d.body : undefined;
    }, 'the execution to succeed');
    assert.equal(doc.workflowId, echoId);
    assert.equal(doc.workflowVersion, 1);
    assert.equal(doc.trigger, 'api');
    assert.deepEqual(doc.inputs, { msg: 'yo' });
    assert.deepEqual(doc.outputs, { said: 'yo' });
  });

  it('execute with wait: 200 with the finished execution document (DESIGN shape)', async () => {
    const r = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, { body: { wait: true } });
    assert.equal(r.status, 200);
    for (const k of [
      'id',
      'workflowId',
      'workflowVersion',
      'status',
      'trigger',
      'inputs',
      'outputs',
      'error',
      'startedAt',
      'finishedAt',
      'durationMs',
      'nodes',
    ]) {
      assert.ok(k in r.body, `missing ${k}`);
    }
    assert.equal(r.body.status, 'succeeded');
    assert.deepEqual(r.body.outputs, { said: 'hi' });
    assert.equal(r.body.nodes.length, 1);
    assert.deepEqual(
      {
        nodeId: r.body.nodes[0].nodeId,
        status: r.body.nodes[0].status,
        attempts: r.body.nodes[0].attempts,
        skipReason: r.body.nodes[0].skipReason,
      },
      { nodeId: 'echo', status: 'succeeded', attempts: 1, skipReason: null },
    );
    const nodes = await api.request('GET', `/api/v1/executions/${r.body.id}/nodes`, { key: api.keys.viewer });
    assert.equal(nodes.status, 200);
    assert.deepEqual(nodes.body.nodes, r.body.nodes);
  });

  it('an execute without a body runs the workflow with its variables', async () => {
    const r = await api.request('POST', `/api/v1/workflows/${echoId}/execute`);
    assert.equal(r.status, 202);
  });

  it('an idempotency key returns the first execution (202 and with wait 200), and runs it once', async () => {
    const key = `idem-${Date.now()}`;
    const first = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, {
      body: { idempotencyKey: key, inputs: { msg: 'one' } },
    });
    const second = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, {
      body: { idempotencyKey: key, inputs: { msg: 'two' } },
    });
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(second.body.executionId, first.body.executionId);
    const waited = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, { body: { idempotencyKey: key, wait: true } });
    assert.equal(waited.status, 200);
    assert.equal(waited.body.id, first.body.executionId);
    assert.equal(waited.body.status, 'succeeded');
    assert.deepEqual(waited.body.outputs, { said: 'one' });
    const list = await api.request('GET', `/api/v1/workflows/${echoId}/executions?limit=200`);
    assert.equal(list.body.items.filter((e: { idempotencyKey?: string }) => e.idempotencyKey === key).length, 1);
  });

  it('execute: 404 for an unknown workflow, 400 for a bad body', async () => {
    assert.equal((await api.request('POST', '/api/v1/workflows/wf_nope/execute', { body: {} })).status, 404);
    const bad = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, { body: { inputs: 5, wait: 'yes', extra: 1 } });
    assert.equal(bad.status, 400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).sort();
    assert.deepEqual(paths, ['body.extra', 'body.inputs', 'body.wait']);
    const arr = await api.request('POST', `/api/v1/workflows/${echoId}/execute`, { body: [] });
    assert.equal(arr.status, 400);
  });

  it('GET /executions/:id and /nodes: 404 for unknown ids', async () => {
    for (const p of [
      '/api/v1/executions/0190aaaa-0000-7000-8000-000000000000',
      '/api/v1/executions/0190aaaa-0000-7000-8000-000000000000/nodes',
    ]) {
      const r = await api.request('GET', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body.error.code, 'WF_NOT_FOUND');
    }
  });

  it('cancel: 202 on a running execution (which ends cancelled), 409 once finished, 404 unknown', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(10_000, 'cancel-me'));
    const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    const id = started.body.executionId;
    await waitFor(
      async () =>
        (await api.request('GET', `/api/v1/executions/${id}`)).body.nodes.some((n: { status: string }) => n.status === 'running')
          ? true
          : undefined,
      'node a to run',
    );
    const cancel = await api.request('POST', `/api/v1/executions/${id}/cancel`, { key: api.keys.operator, body: { reason: 'test' } });
    assert.equal(cancel.status, 202);
    assert.deepEqual(cancel.body, { executionId: id, cancelRequested: true });
    const doc = await waitFor(async () => {
      const d = (await api.request('GET', `/api/v1/executions/${id}`)).body;
      return d.status === 'cancelled' ? d : undefined;
    }, 'cancelled');
    assert.equal(doc.nodes.find((n: { nodeId: string }) => n.nodeId === 'a').status, 'cancelled');
    const again = await api.request('POST', `/api/v1/executions/${id}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'WF_CONFLICT');
    assert.equal((await api.request('POST', '/api/v1/executions/unknown_id/cancel')).status, 404);
    const badBody = await api.request('POST', `/api/v1/executions/${id}/cancel`, { body: { reason: 5 } });
    assert.equal(badBody.status, 400);
  });

  describe('GET /workflows/:id/executions', () => {
    let wf: string;
    before(async () => {
      wf = await api.createWorkflow(echoWorkflow('history'));
      for (let i = 0; i < 5; i++)
        await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs: { msg: `m${i}` } } });
    });

    it('pages newest first with { items, nextCursor } and no duplicates', async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await api.request('GET', `/api/v1/workflows/${wf}/executions${q}`, { key: api.keys.viewer });
        assert.equal(page.status, 200);
        assert.deepEqual(Object.keys(page.body).sort(), ['items', 'nextCursor']);
        ids.push(...page.body.items.map((e: { id: string }) => e.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.equal(ids.length, 5);
      assert.equal(new Set(ids).size, 5);
      assert.deepEqual(ids, [...ids].sort().reverse());
    });

    it('filters on status (comma-separated) and date range', async () => {
      const ok = await api.request('GET', `/api/v1/workflows/${wf}/executions?status=succeeded,failed`);
      assert.equal(ok.body.items.length, 5);
      const none = await api.request('GET', `/api/v1/workflows/${wf}/executions?status=failed`);
      assert.deepEqual(none.body, { items: [], nextCursor: null });
      const future = await api.request('GET', `/api/v1/workflows/${wf}/executions?from=2999-01-01T00:00:00Z`);
      assert.equal(future.body.items.length, 0);
      const past = await api.request('GET', `/api/v1/workflows/${wf}/executions?from=2000-01-01T00:00:00%2B02:00&to=2999-01-01T00:00:00Z`);
      assert.equal(past.body.items.length, 5);
    });

    it('rejects unknown statuses, SQL fragments, operators, bad dates and unknown parameters with 400', async () => {
      const cases: Array<[string, string]> = [
        ['status=bogus', 'query.status'],
        ["status=succeeded' OR '1'='1", 'query.status'],
        ['status=succeeded;DROP TABLE workflow_execution', 'query.status'],
        ['status[$ne]=x', 'query.status[$ne]'],
        ['status=succeeded&status=failed', 'query.status'],
        ['limit=1;DROP TABLE', 'query.limit'],
        ['from=yesterday', 'query.from'],
        ['from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z', 'query.from'],
        ['cursor=abc', 'query.cursor'],
        ['orderBy=id', 'query.orderBy'],
        ['__proto__=x', 'query.__proto__'],
      ];
      for (const [q, path] of cases) {
        const r = await api.request('GET', `/api/v1/workflows/${wf}/executions?${q.replace(/ /g, '%20')}`);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.body.error.code, 'WF_VALIDATION');
        assert.ok(
          r.body.error.details.some((d: { path: string }) => d.path === path),
          `${q}: ${JSON.stringify(r.body.error.details)}`,
        );
      }
    });
  });
});
