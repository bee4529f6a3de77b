import assert from 'node:assert/strict';
import { FlakyServer } from '../../support/flaky-server';
import { startLineageHarness, type LineageHarness } from '../../api/support/lineage-harness';
import { waitFor } from '../../support/wait-for';

const call = (id: string, workflowId: string, inputs?: object) => ({
  id,
  type: 'workflow',
  config: { workflowId, ...(inputs ? { inputs } : {}) },
});
const echo = (id: string, input: unknown) => ({ id, type: 'tool', config: { tool: 'core.echo', input } });

describe('workflow node type (plugin weft.workflow)', () => {
  let h: LineageHarness;
  let bad: FlakyServer;
  before(async () => {
    h = await startLineageHarness();
    bad = await FlakyServer.start({ failures: 1_000_000, failStatus: 400 });
  });
  after(async () => {
    await h.close();
    await bad.close();
  });

  async function children(id: string, query = ''): Promise<any> {
    const r = await h.api.request('GET', `/api/v1/executions/${id}/children${query}`, { key: h.api.keys.viewer });
    assert.equal(r.status, 200, r.text);
    return r.body;
  }

  it("passes templated inputs to a child execution and outputs the child's outputs; the children route lists it", async () => {
    const child = await h.api.createWorkflow({
      name: 'double',
      nodes: [echo('e', { twice: '{{ inputs.x }}{{ inputs.x }}' })],
      outputs: { result: '{{ nodes.e.output.twice }}' },
    });
    const parent = await h.api.createWorkflow({
      name: 'caller',
      nodes: [
        call('one', child, { x: '{{ inputs.n }}' }),
        call('two', child, { x: 'b' }),
        call('three', child, { x: '{{ nodes.one.output.result }}' }),
      ],
      edges: [{ from: 'one', to: 'three' }],
      outputs: { first: '{{ nodes.one.output }}', third: '{{ nodes.three.output.result }}' },
    });
    const r = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true, inputs: { n: 'a' } } });
    assert.equal(r.body.status, 'succeeded', r.text);
    assert.deepEqual(r.body.outputs, { first: { result: 'aa' }, third: 'aaaa' });
    assert.equal(r.body.parentExecutionId, null);
    assert.equal(r.body.rerunOf, null);

    const page1 = await children(r.body.id, '?limit=2');
    assert.equal(page1.items.length, 2);
    assert.ok(page1.nextCursor);
    const page2 = await children(r.body.id, `?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`);
    assert.equal(page2.items.length, 1);
    assert.equal(page2.nextCursor, null);
    const all = [...page1.items, ...page2.items];
    assert.deepEqual(
      all.map((c: any) => c.id),
      [...all.map((c: any) => c.id)].sort(),
      'oldest first',
    );
    assert.deepEqual(all.map((c: any) => c.parentNodeId).sort(), ['one', 'three', 'two']);
    for (const c of all) {
      assert.equal(c.parentExecutionId, r.body.id);
      assert.equal(c.workflowId, child);
      assert.equal(c.trigger, 'workflow');
      assert.equal(c.status, 'succeeded');
      assert.equal(c.itemIndex, null);
      assert.ok(c.startedAt && c.finishedAt);
    }
    // the child's own document names its parent
    const childDoc = (await h.api.request('GET', `/api/v1/executions/${all[0].id}`)).body;
    assert.equal(childDoc.parentExecutionId, r.body.id);
    assert.equal(childDoc.idempotencyKey?.startsWith('workflow:'), true);
    assert.deepEqual((await children(all[0].id)).items, []);
    const missing = await h.api.request('GET', '/api/v1/executions/01900000-0000-7000-8000-000000000000/children');
    assert.equal(missing.status, 404);
    const tampered = await h.api.request(
      'GET',
      `/api/v1/executions/${r.body.id}/children?cursor=${encodeURIComponent(page1.nextCursor.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A')))}`,
    );
    assert.equal(tampered.status, 400);
    assert.equal(tampered.body.error.details[0].path, 'query.cursor');
  });

  it("fails the node with WF_CHILD_FAILED naming the child and its error's code when the child fails", async () => {
    const child = await h.api.createWorkflow({
      name: 'failing',
      nodes: [{ id: 'get', type: 'tool', config: { tool: 'http.request', input: { url: `${bad.url}/x` } } }],
    });
    const parent = await h.api.createWorkflow({ name: 'fails-through', nodes: [call('sub', child)] });
    const r = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true } });
    assert.equal(r.body.status, 'failed');
    const [kid] = (await children(r.body.id)).items;
    assert.equal(kid.status, 'failed');
    const node = r.body.nodes.find((n: any) => n.nodeId === 'sub');
    assert.equal(node.error.type, 'NodeExecutionError');
    assert.equal(node.error.code, 'WF_CHILD_FAILED');
    assert.equal(node.error.details.childExecutionId, kid.id);
    assert.ok(node.error.message.includes(kid.id), node.error.message);
    assert.match(node.error.message, /WF_HTTP_STATUS/);
  });

  it('cancelling the parent cancels its running child', async () => {
    const child = await h.api.createWorkflow({
      name: 'slow',
      nodes: [{ id: 's', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000 } } }],
    });
    const parent = await h.api.createWorkflow({ name: 'waits-for-slow', nodes: [call('sub', child)] });
    const started = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: {} });
    const id = started.body.executionId;
    const kid = await waitFor(async () => {
      const first = (await children(id)).items[0];
      return first?.status === 'running' && first;
    }, 'the child execution to be running');
    assert.equal((await h.api.request('POST', `/api/v1/executions/${id}/cancel`, { key: h.api.keys.operator, body: {} })).status, 202);
    const parentDoc = await h.finished(id);
    assert.equal(parentDoc.status, 'cancelled');
    const childDoc = await h.finished(kid.id);
    assert.equal(childDoc.status, 'cancelled');
    assert.equal(childDoc.nodes[0].status, 'cancelled');
  });

  it('ends a workflow that calls itself with WF_DEPTH_EXCEEDED at the depth limit, ancestors WF_CHILD_FAILED', async () => {
    const self = await h.api.createWorkflow({ name: 'recursive', nodes: [echo('e', 1)] });
    const put = await h.api.request('PUT', `/api/v1/workflows/${self}`, { body: { name: 'recursive', nodes: [call('again', self)] } });
    assert.equal(put.status, 200, put.text);
    const r = await h.api.request('POST', `/api/v1/workflows/${self}/execute`, { body: { wait: true } });
    assert.equal(r.body.status, 'failed');
    assert.equal(r.body.nodes[0].error.code, 'WF_CHILD_FAILED');
    // walk down: depth 1..10 exist, the depth-10 one failed without starting anything
    let id = r.body.id;
    let depth = 0;
    let last: any = r.body;
    for (;;) {
      const kids = (await children(id)).items;
      if (!kids.length) break;
      assert.equal(kids.length, 1);
      depth++;
      id = kids[0].id;
      last = await h.finished(id);
    }
    assert.equal(depth, 10);
    assert.equal(last.status, 'failed');
    assert.equal(last.nodes[0].error.code, 'WF_DEPTH_EXCEEDED');
    assert.match(last.nodes[0].error.message, /depth 11.*limit of 10/);
  });

  it('ends a loop through another workflow (A calls B calls A) at the depth limit', async () => {
    const a = await h.api.createWorkflow({ name: 'loop-a', nodes: [echo('e', 1)] });
    const b = await h.api.createWorkflow({ name: 'loop-b', nodes: [call('toA', a)] });
    assert.equal((await h.api.request('PUT', `/api/v1/workflows/${a}`, { body: { name: 'loop-a', nodes: [call('toB', b)] } })).status, 200);
    const r = await h.api.request('POST', `/api/v1/workflows/${a}/execute`, { body: { wait: true } });
    assert.equal(r.body.status, 'failed');
    assert.equal(r.body.nodes[0].error.code, 'WF_CHILD_FAILED');
    assert.match(r.body.nodes[0].error.message, /WF_CHILD_FAILED/);
  });

  it('refuses to save a workflow calling an unknown workflow or version, at the path', async () => {
    const known = await h.api.createWorkflow({ name: 'known', nodes: [echo('e', 1)] });
    const r = await h.api.request('POST', '/api/v1/workflows', {
      body: { name: 'calls-nothing', nodes: [echo('x', 1), call('sub', 'wf_does_not_exist')] },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details[0].path, 'body.nodes[1].config.workflowId');
    assert.match(r.body.error.details[0].message, /wf_does_not_exist/);
    const v = await h.api.request('POST', '/api/v1/workflows', {
      body: { name: 'bad-version', nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: known, version: 7 } }] },
    });
    assert.equal(v.status, 400);
    assert.equal(v.body.error.details[0].path, 'body.nodes[0].config.version');
    const shape = await h.api.request('POST', '/api/v1/workflows', {
      body: { name: 'bad-shape', nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: known, version: 'newest' } }] },
    });
    assert.equal(shape.status, 400);
    assert.match(shape.body.error.details[0].path, /^body\.nodes\[0\]\.config/);
  });
});
