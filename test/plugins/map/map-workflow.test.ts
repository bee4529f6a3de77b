import assert from 'node:assert/strict';
import { FlakyServer } from '../../support/flaky-server';
import { startLineageHarness, type LineageHarness } from '../../api/support/lineage-harness';
import { mapPlugin } from '../../../plugins/map/index';

const echo = (id: string, input: unknown) => ({ id, type: 'tool', config: { tool: 'core.echo', input } });

describe('map over a child workflow (workflow mode)', () => {
  let h: LineageHarness;
  let bad: FlakyServer;
  before(async () => {
    h = await startLineageHarness({ plugins: [mapPlugin] });
    bad = await FlakyServer.start({ failures: 1_000_000, failStatus: 400 });
  });
  after(async () => {
    await h.close();
    await bad.close();
  });

  it('starts one child per item with inputs { item, index }; outputs in item order; children carry itemIndex', async () => {
    const child = await h.api.createWorkflow({
      name: 'double',
      nodes: [echo('e', { twice: '{{ inputs.item }}{{ inputs.item }}', at: '{{ inputs.index }}' })],
      outputs: { v: '{{ nodes.e.output }}' },
    });
    const parent = await h.api.createWorkflow({
      name: 'fan-children',
      nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', concurrency: 2, workflow: { workflowId: child } } }],
      outputs: { fan: '{{ nodes.fan.output }}' },
    });
    const r = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, {
      body: { wait: true, inputs: { list: ['a', 'b', 'c'] } },
    });
    assert.equal(r.body.status, 'succeeded', r.text);
    assert.deepEqual(r.body.outputs.fan, {
      items: [{ v: { twice: 'aa', at: 0 } }, { v: { twice: 'bb', at: 1 } }, { v: { twice: 'cc', at: 2 } }],
      failed: [],
    });
    const kids = (await h.api.request('GET', `/api/v1/executions/${r.body.id}/children`)).body.items;
    assert.deepEqual(kids.map((k: any) => [k.parentNodeId, k.itemIndex, k.status]).sort(), [
      ['fan', 0, 'succeeded'],
      ['fan', 1, 'succeeded'],
      ['fan', 2, 'succeeded'],
    ]);
  });

  it('an inline `workflow` template starts one child per item (each item its own key), results in item order', async () => {
    const child = await h.api.createWorkflow({
      name: 'inline-child',
      nodes: [echo('e', { v: '{{ inputs.v }}' })],
      outputs: { v: '{{ nodes.e.output.v }}' },
    });
    const parent = await h.api.createWorkflow({
      name: 'fan-inline-workflow',
      nodes: [
        {
          id: 'fan',
          type: 'map',
          config: { items: '{{ inputs.list }}', node: { type: 'workflow', config: { workflowId: child, inputs: { v: '{{ item }}' } } } },
        },
      ],
      outputs: { fan: '{{ nodes.fan.output }}' },
    });
    const r = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, {
      body: { wait: true, inputs: { list: ['a', 'b', 'c'] } },
    });
    assert.equal(r.body.status, 'succeeded', r.text);
    assert.deepEqual(r.body.outputs.fan.items, [{ v: 'a' }, { v: 'b' }, { v: 'c' }]);
    const kids = (await h.api.request('GET', `/api/v1/executions/${r.body.id}/children`)).body.items;
    assert.deepEqual(kids.map((k: any) => k.itemIndex).sort(), [0, 1, 2]);
  });

  it('lists a failed child as WF_CHILD_FAILED naming it (continue), and refuses an unknown workflowId at save time', async () => {
    const child = await h.api.createWorkflow({
      name: 'fails',
      nodes: [{ id: 'get', type: 'tool', config: { tool: 'http.request', input: { url: `${bad.url}/{{ inputs.index }}` } } }],
    });
    const parent = await h.api.createWorkflow({
      name: 'fan-failing',
      nodes: [
        { id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', onItemFailure: 'continue', workflow: { workflowId: child } } },
      ],
      outputs: { fan: '{{ nodes.fan.output }}' },
    });
    const r = await h.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true, inputs: { list: [1] } } });
    assert.equal(r.body.status, 'succeeded', r.text);
    const [f] = r.body.outputs.fan.failed;
    assert.equal(f.index, 0);
    assert.equal(f.error.code, 'WF_CHILD_FAILED');
    assert.match(f.error.message, new RegExp(`child execution ${f.error.details.childExecutionId} of workflow "${child}" ended failed`));

    const refused = await h.api.request('POST', '/api/v1/workflows', {
      body: { name: 'dangling', nodes: [{ id: 'fan', type: 'map', config: { items: [1], workflow: { workflowId: 'wf_nope' } } }] },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details[0].path, 'body.nodes[0].config.workflow.workflowId');
  });
});
