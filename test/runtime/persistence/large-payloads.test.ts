import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describeDialects } from './dialect-harness';
import { waitFor } from '../../support/wait-for';
import { nodeDone, nodeRunning, startRecord } from './execution-fixtures';
import { createTestPlugin } from '../../support/test-plugin';
import { startTestKernel } from '../../support/test-kernel';
import { startApi, type ApiHarness } from '../../api/support/api-harness';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { pruneExecutions } from '../../../runtime/persistence/execution-retention';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';

/** 300 000 characters, some of them several UTF-8 bytes long: above the default 256 KiB inline size. */
const TEXT = 'é€😀x'.repeat(75_000);
const BIG = { text: TEXT, list: [1, 'two', { three: 3 }] };
const BIG_JSON = JSON.stringify(BIG);
const BIG_BYTES = Buffer.byteLength(BIG_JSON, 'utf8');
/** A small user output shaped exactly like the reference to an output kept apart. */
const LOOKALIKE = { $ref: '/api/v1/executions/someone-else/nodes/big/output', bytes: 7 };

const handlers = {
  big: () => BIG,
  // what a downstream node reads through `{{ nodes.big.output.text }}`
  measure: (input: unknown) => ({ chars: typeof input === 'string' ? input.length : -1, same: input === TEXT }),
  relay: () => LOOKALIKE,
  read: (input: unknown) => ({ got: input }),
};

/** `first` → use (its input templated on `first`'s output); the workflow's outputs name use only. */
function pair(name: string, first: string, use: { fn: string; input: string }): WorkflowDefinition {
  return {
    name,
    nodes: [
      { id: first, type: 'fn', config: { fn: first } },
      { id: 'use', type: 'fn', config: use },
    ],
    edges: [{ from: first, to: 'use' }],
    outputs: { use: '{{ nodes.use.output }}' },
  };
}

/** big → use, reading big's text. */
const workflow = pair('large-payloads', 'big', { fn: 'measure', input: '{{ nodes.big.output.text }}' });
const USED = { chars: TEXT.length, same: true };
/** relay → use, reading relay's whole output (which looks like a reference). */
const lookalikeWorkflow = pair('ref-lookalike', 'relay', { fn: 'read', input: '{{ nodes.relay.output }}' });

function deadOwner(): string {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  return `${hostname().slice(0, 80)}:${pid}:dead00`;
}

describeDialects('large node outputs', (ctx) => {
  let p: Persistence;
  let kernel: Kernel;
  let api: ApiHarness;
  before(async function () {
    this.timeout(60_000);
    p = await ctx.open();
    kernel = startTestKernel({ plugins: [createTestPlugin(handlers)], services: persistenceBindings(p) });
    api = await startApi({ kernel });
  });
  after(async () => {
    await api?.close();
    await kernel?.stop();
  });

  const refOf = (id: string, nodeId: string) => ({ $ref: `/api/v1/executions/${id}/nodes/${nodeId}/output`, bytes: BIG_BYTES });

  it('keeps an output above WEFT_INLINE_OUTPUT_BYTES in node_output (not the node row), and documents carry $ref and bytes', async () => {
    const wf = await api.createWorkflow(workflow);
    const run = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    assert.equal(run.status, 200, run.text);
    const id: string = run.body.id;
    assert.equal(run.body.status, 'succeeded');
    const byId = (doc: { nodes: Array<{ nodeId: string; output: unknown }> }) => new Map(doc.nodes.map((n) => [n.nodeId, n.output]));
    // the document execute answers with: the big output by reference, the downstream template read it whole
    assert.deepEqual(byId(run.body).get('big'), refOf(id, 'big'));
    assert.deepEqual(byId(run.body).get('use'), USED);
    assert.deepEqual(run.body.outputs, { use: USED });

    const knex = p.executionStore.knex;
    const row = await knex('node_execution').where({ execution_id: id, node_id: 'big' }).first('output', 'status');
    assert.equal(row.status, 'succeeded');
    assert.equal(row.output, null, 'the node row does not carry the big output');
    const kept = await knex('node_output').where({ execution_id: id }).select('node_id', 'bytes', 'json');
    assert.deepEqual(
      kept.map((k) => [k.node_id, Number(k.bytes)]),
      [['big', BIG_BYTES]],
      'only the big output is kept apart',
    );
    assert.equal(kept[0].json, BIG_JSON);

    const doc = await api.request('GET', `/api/v1/executions/${id}`, { key: api.keys.viewer });
    assert.deepEqual(byId(doc.body).get('big'), refOf(id, 'big'));
    assert.deepEqual(byId(doc.body).get('use'), USED);
    const nodes = await api.request('GET', `/api/v1/executions/${id}/nodes`, { key: api.keys.viewer });
    assert.deepEqual(byId(nodes.body).get('big'), refOf(id, 'big'));
  });

  it('GET .../nodes/:nodeId/output answers the stored JSON byte for byte (viewer), inline outputs too; 404 for unknown ones', async () => {
    const wf = await api.createWorkflow(workflow);
    const id: string = (await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } })).body.id;
    const r = await api.request('GET', `/api/v1/executions/${id}/nodes/big/output`, { key: api.keys.viewer });
    assert.equal(r.status, 200);
    assert.match(String(r.headers.get('content-type')), /^application\/json/);
    assert.equal(r.text, BIG_JSON);
    assert.equal(Buffer.byteLength(r.text, 'utf8'), BIG_BYTES);
    assert.equal(Number(r.headers.get('content-length')), BIG_BYTES);
    const small = await api.request('GET', `/api/v1/executions/${id}/nodes/use/output`, { key: api.keys.viewer });
    assert.equal(small.status, 200);
    assert.deepEqual(JSON.parse(small.text), USED);
    assert.equal((await api.request('GET', `/api/v1/executions/${id}/nodes/nope/output`)).status, 404);
    assert.equal((await api.request('GET', `/api/v1/executions/missing_id/nodes/big/output`)).status, 404);
  });

  it('lists of executions never carry node outputs', async () => {
    const wf = await api.createWorkflow(workflow);
    await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    for (const path of [`/api/v1/workflows/${wf}/executions`, '/api/v1/executions?limit=50']) {
      const r = await api.request('GET', path, { key: api.keys.viewer });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.items.length >= 1);
      for (const item of r.body.items) assert.equal(item.nodes, undefined, path);
      assert.ok(!r.text.includes('😀'), `${path} carries no output text`);
      assert.ok(r.text.length < 50_000, `${path} is small (${r.text.length} characters)`);
    }
  });

  it('a re-run copies the kept output: it reads it, and still does after the original is pruned', async () => {
    const wf = await api.createWorkflow(workflow);
    const first = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    const rerun = await api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, {
      body: { fromNodes: ['use'] },
      key: api.keys.operator,
    });
    assert.equal(rerun.status, 202, rerun.text);
    const second = await waitForEnd(rerun.body.executionId);
    const big = second.nodes.find((n: { nodeId: string }) => n.nodeId === 'big');
    assert.equal(big.reusedFrom, first.body.id);
    assert.deepEqual(big.output, refOf(second.id, 'big'), 'the copy is referenced under the re-run');
    assert.deepEqual(second.nodes.find((n: { nodeId: string }) => n.nodeId === 'use').output, USED);

    // prune the original (it started before the re-run)
    const pruned = await pruneExecutions(p.executionStore.knex, new Date(second.startedAt));
    assert.ok(pruned >= 1);
    assert.equal((await api.request('GET', `/api/v1/executions/${first.body.id}`)).status, 404);
    assert.equal(
      Number((await p.executionStore.knex('node_output').where({ execution_id: first.body.id }).count({ n: '*' }))[0]!.n),
      0,
      'pruning took its kept outputs',
    );

    const out = await api.request('GET', `/api/v1/executions/${second.id}/nodes/big/output`);
    assert.equal(out.text, BIG_JSON);
    // a re-run of the re-run reads the copy
    const third = await api.request('POST', `/api/v1/executions/${second.id}/rerun`, {
      body: { fromNodes: ['use'] },
      key: api.keys.operator,
    });
    const doc = await waitForEnd(third.body.executionId);
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc).slice(0, 500));
    assert.deepEqual(doc.outputs, { use: USED });
  });

  it('a resume after a restart reads the kept output for a downstream template', async () => {
    const doc = await resumedAfterFirst(workflow, 'big', BIG, async (id) => {
      assert.equal(Number((await p.executionStore.knex('node_output').where({ execution_id: id }).count({ n: '*' }))[0]!.n), 1);
    });
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs, { use: USED });
    assert.deepEqual(doc.nodes.find((n) => n.nodeId === 'big')!.output, refOf(doc.id, 'big'));
  });

  // A reference is told from user data by where it came from, not by its shape: a node whose own
  // output looks like `{ "$ref", "bytes" }` keeps it as data when a re-run copies the node and when
  // a restart resumes after it (no lookup in `node_output`, where nothing is, and no copy of
  // another execution's row).
  it('a user output shaped like a reference is data, also in a re-run that copies its node', async () => {
    const wf = await api.createWorkflow(lookalikeWorkflow);
    const first = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    assert.equal(first.body.status, 'succeeded', first.text);
    assert.deepEqual(first.body.outputs, { use: { got: LOOKALIKE } });
    const rerun = await api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, {
      body: { fromNodes: ['use'] },
      key: api.keys.operator,
    });
    assert.equal(rerun.status, 202, rerun.text);
    const second = await waitForEnd(rerun.body.executionId);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    const relay = second.nodes.find((n: { nodeId: string }) => n.nodeId === 'relay');
    assert.equal(relay.reusedFrom, first.body.id);
    assert.deepEqual(relay.output, LOOKALIKE);
    assert.deepEqual(second.outputs, { use: { got: LOOKALIKE } });
    const row = await p.executionStore.knex('node_execution').where({ execution_id: second.id, node_id: 'relay' }).first('output');
    assert.deepEqual(JSON.parse(String(row.output)), LOOKALIKE, 'the copy is stored inline, as the original was');
  });

  it('a user output shaped like a reference is data for the downstream template after a resume', async () => {
    const doc = await resumedAfterFirst(lookalikeWorkflow, 'relay', LOOKALIKE);
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs, { use: { got: LOOKALIKE } });
    assert.deepEqual(doc.nodes.find((n) => n.nodeId === 'relay')!.output, LOOKALIKE);
  });

  /**
   * `wf` left by a process that died after `first` finished with `output` and while `use` ran;
   * `check` looks at the database before this process recovers it. Resolves with the resumed end.
   */
  async function resumedAfterFirst(wf: WorkflowDefinition, first: string, output: unknown, check?: (id: string) => Promise<void>) {
    const saved = await p.workflowStore.create(wf);
    const dead = await ctx.open({ owner: deadOwner() });
    const s = startRecord(saved.id, { workflowVersion: saved.version, definition: wf });
    await dead.executionStore.startExecution(s);
    await dead.executionStore.nodeFinished(s.id, nodeDone(first, output));
    await dead.executionStore.nodeStarted(s.id, nodeRunning('use'));
    await dead.close();
    await check?.(s.id);
    const report = await p.recover(kernel.executor);
    assert.deepEqual(
      report.resumed.map((h) => h.executionId),
      [s.id],
    );
    return report.resumed[0]!.done;
  }

  function waitForEnd(id: string): Promise<any> {
    return waitFor(
      async () => {
        const doc = (await api.request('GET', `/api/v1/executions/${id}`)).body;
        return ['succeeded', 'failed', 'partially_succeeded', 'cancelled'].includes(doc.status) ? doc : null;
      },
      `execution ${id} to end`,
      { timeoutMs: 20_000 },
    );
  }
});
