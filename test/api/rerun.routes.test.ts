import assert from 'node:assert/strict';
import { FlakyServer } from '../support/flaky-server';
import { createTestPlugin } from '../support/test-plugin';
import { startLineageHarness, type LineageHarness } from './support/lineage-harness';

/** a → b → c → d → e: a, b, c call `ok`; d calls `flaky` (fails once, no retry); e echoes d. */
function chain(okUrl: string, flakyUrl: string): object {
  const call = (id: string, url: string) => ({ id, type: 'tool', config: { tool: 'http.request', input: { url: `${url}/${id}` } } });
  return {
    name: 'rerun-chain',
    nodes: [
      call('a', okUrl),
      call('b', okUrl),
      call('c', okUrl),
      call('d', flakyUrl),
      { id: 'e', type: 'tool', config: { tool: 'core.echo', input: { fromD: '{{ nodes.d.output.status }}' } } },
    ],
    edges: [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'd' },
      { from: 'd', to: 'e' },
    ],
    outputs: { e: '{{ nodes.e.output }}' },
  };
}

describe('POST /executions/:id/rerun', () => {
  let h: LineageHarness;
  let ok: FlakyServer;
  let flaky: FlakyServer;
  let gate: { open: () => void; wait: Promise<void> };
  before(async () => {
    let open!: () => void;
    gate = { open: () => open(), wait: new Promise<void>((r) => (open = r)) };
    h = await startLineageHarness({ plugins: [createTestPlugin({ hold: () => gate.wait })] });
    ok = await FlakyServer.start();
    flaky = await FlakyServer.start({ failures: 1 });
  });
  after(async () => {
    gate.open();
    await h.close();
    await ok.close();
    await flaky.close();
  });

  it('runs only the failed node and its downstream, copies the rest with reusedFrom, and succeeds once the server recovers', async () => {
    const wf = await h.api.createWorkflow(chain(ok.url, flaky.url));
    const first = await h.api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs: { q: 1 } } });
    assert.equal(first.body.status, 'failed');
    assert.equal(ok.requests.length, 3);
    assert.equal(flaky.requests.length, 1);

    const r = await h.api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, { key: h.api.keys.operator });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), ['executionId', 'status']);
    const doc = await h.finished(r.body.executionId);
    assert.equal(doc.status, 'succeeded');
    assert.equal(doc.trigger, 'rerun');
    assert.equal(doc.rerunOf, first.body.id);
    assert.equal(doc.workflowVersion, first.body.workflowVersion);
    assert.deepEqual(doc.inputs, { q: 1 });
    assert.equal(doc.idempotencyKey, null);
    assert.deepEqual(doc.outputs, { e: { fromD: 200 } });
    // only d (and e, which calls nothing) ran again
    assert.equal(ok.requests.length, 3);
    assert.equal(flaky.requests.length, 2);
    const byId = new Map<string, any>(doc.nodes.map((n: any) => [n.nodeId, n]));
    const orig = new Map<string, any>(first.body.nodes.map((n: any) => [n.nodeId, n]));
    for (const id of ['a', 'b', 'c']) {
      const n = byId.get(id);
      assert.equal(n.status, 'succeeded');
      assert.equal(n.reusedFrom, first.body.id, id);
      assert.deepEqual(n.output, orig.get(id).output);
      assert.equal(n.startedAt, orig.get(id).startedAt);
      assert.equal(n.attempts, orig.get(id).attempts);
    }
    for (const id of ['d', 'e']) assert.equal(byId.get(id).reusedFrom, null, id);
    assert.equal(byId.get('d').status, 'succeeded');

    // a re-run of the re-run from e: a..c still name the execution that produced them, d names the first re-run
    const again = await h.api.request('POST', `/api/v1/executions/${doc.id}/rerun`, { body: { fromNodes: ['e'] } });
    assert.equal(again.status, 202, again.text);
    const doc2 = await h.finished(again.body.executionId);
    assert.equal(doc2.status, 'succeeded');
    const n2 = new Map<string, any>(doc2.nodes.map((n: any) => [n.nodeId, n]));
    assert.equal(n2.get('a').reusedFrom, first.body.id);
    assert.equal(n2.get('d').reusedFrom, doc.id);
    assert.equal(n2.get('e').reusedFrom, null);
    assert.equal(flaky.requests.length, 2);
    assert.equal(ok.requests.length, 3);
    // the copies are the re-run's own rows: the original's rows can go
    await h.persistence.executionStore.knex('node_execution').where({ execution_id: first.body.id }).delete();
    const third = await h.api.request('POST', `/api/v1/executions/${doc2.id}/rerun`, { body: { fromNodes: ['e'] } });
    assert.equal((await h.finished(third.body.executionId)).status, 'succeeded');
  });

  it('with version latest, runs a node whose type changed (and what it feeds), reusing the rest', async () => {
    const def = chain(ok.url, ok.url) as any;
    const wf = await h.api.createWorkflow(def);
    const first = await h.api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    assert.equal(first.body.status, 'succeeded');
    const before = ok.requests.length;
    def.nodes[1] = { id: 'b', type: 'noop', config: { input: 'now a noop' } };
    assert.equal((await h.api.request('PUT', `/api/v1/workflows/${wf}`, { body: def })).status, 200);
    const pinned = await h.api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, { body: { fromNodes: ['e'] } });
    const pinnedDoc = await h.finished(pinned.body.executionId);
    assert.equal(pinnedDoc.workflowVersion, 1);
    assert.equal(pinnedDoc.nodes.find((n: any) => n.nodeId === 'b').reusedFrom, first.body.id);

    const r = await h.api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, { body: { version: 'latest', fromNodes: ['e'] } });
    assert.equal(r.status, 202, r.text);
    const doc = await h.finished(r.body.executionId);
    assert.equal(doc.status, 'succeeded');
    assert.equal(doc.workflowVersion, 2);
    const byId = new Map<string, any>(doc.nodes.map((n: any) => [n.nodeId, n]));
    assert.equal(byId.get('a').reusedFrom, first.body.id);
    assert.equal(byId.get('b').reusedFrom, null);
    assert.equal(byId.get('b').output, 'now a noop');
    // c and d are downstream of the changed node: they called the server again
    assert.equal(byId.get('c').reusedFrom, null);
    assert.equal(ok.requests.length, before + 2);
  });

  it('answers 409 while the original runs, 400 at the path of an unknown node, 404 for an unknown execution', async () => {
    const wf = await h.api.createWorkflow({ name: 'held', nodes: [{ id: 'h', type: 'fn', config: { fn: 'hold' } }] });
    const started = await h.api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    const running = await h.api.request('POST', `/api/v1/executions/${started.body.executionId}/rerun`, { body: {} });
    assert.equal(running.status, 409, running.text);
    assert.equal(running.body.error.code, 'WF_RERUN_NOT_FINISHED');
    gate.open();
    const done = await h.finished(started.body.executionId);
    assert.equal(done.status, 'succeeded');
    const unknown = await h.api.request('POST', `/api/v1/executions/${done.id}/rerun`, { body: { fromNodes: ['h', 'nope'] } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].path, 'body.fromNodes[1]');
    assert.match(unknown.body.error.details[0].message, /nope/);
    const bad = await h.api.request('POST', `/api/v1/executions/${done.id}/rerun`, { body: { version: 'newest' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'body.version');
    const missing = await h.api.request('POST', '/api/v1/executions/01900000-0000-7000-8000-000000000000/rerun', { body: {} });
    assert.equal(missing.status, 404);
    const viewer = await h.api.request('POST', `/api/v1/executions/${done.id}/rerun`, { key: h.api.keys.viewer, body: {} });
    assert.equal(viewer.status, 403);
  });
});
