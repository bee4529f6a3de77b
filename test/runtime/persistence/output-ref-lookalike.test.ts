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
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';

/** A small user output shaped exactly like the reference to an output kept apart. */
const LOOKALIKE = { $ref: '/api/v1/executions/someone-else/nodes/big/output', bytes: 7 };

const handlers = {
  relay: () => LOOKALIKE,
  read: (input: unknown) => ({ got: input }),
};

/** relay → use (templated on relay's whole output). */
const workflow: WorkflowDefinition = {
  name: 'ref-lookalike',
  nodes: [
    { id: 'relay', type: 'fn', config: { fn: 'relay' } },
    { id: 'use', type: 'fn', config: { fn: 'read', input: '{{ nodes.relay.output }}' } },
  ],
  edges: [{ from: 'relay', to: 'use' }],
  outputs: { use: '{{ nodes.use.output }}' },
};

/**
 * A reference to an output kept apart is told from user data by where it came from, not by its
 * shape: a node whose own output looks like `{ "$ref", "bytes" }` keeps it as data when a re-run
 * copies the node and when a restart resumes after it (no lookup in `node_output`, where nothing
 * is, and no copy of another execution's row).
 */
describeDialects('a user output shaped like a stored reference', (ctx) => {
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

  it('is data in documents, and a re-run that copies its node keeps it as data', async () => {
    const wf = await api.createWorkflow(workflow);
    const first = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    assert.equal(first.body.status, 'succeeded', first.text);
    assert.deepEqual(first.body.outputs, { use: { got: LOOKALIKE } });

    const rerun = await api.request('POST', `/api/v1/executions/${first.body.id}/rerun`, {
      body: { fromNodes: ['use'] },
      key: api.keys.operator,
    });
    assert.equal(rerun.status, 202, rerun.text);
    const second = await waitFor(
      async () => {
        const doc = (await api.request('GET', `/api/v1/executions/${rerun.body.executionId}`)).body;
        return ['succeeded', 'failed', 'partially_succeeded', 'cancelled'].includes(doc.status) ? doc : null;
      },
      'the re-run to end',
      { timeoutMs: 20_000 },
    );
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    const relay = second.nodes.find((n: { nodeId: string }) => n.nodeId === 'relay');
    assert.equal(relay.reusedFrom, first.body.id);
    assert.deepEqual(relay.output, LOOKALIKE);
    assert.deepEqual(second.outputs, { use: { got: LOOKALIKE } });
    const row = await p.executionStore.knex('node_execution').where({ execution_id: second.id, node_id: 'relay' }).first('output');
    assert.deepEqual(JSON.parse(String(row.output)), LOOKALIKE, 'the copy is stored inline, as the original was');
  });

  it('is data for the downstream template when a restart resumes after its node', async () => {
    const saved = await p.workflowStore.create(workflow);
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = await ctx.open({ owner: `${hostname().slice(0, 80)}:${deadPid}:dead00` });
    const s = startRecord(saved.id, { workflowVersion: saved.version, definition: workflow });
    await dead.executionStore.startExecution(s);
    await dead.executionStore.nodeFinished(s.id, nodeDone('relay', LOOKALIKE));
    await dead.executionStore.nodeStarted(s.id, nodeRunning('use'));
    await dead.close();

    const report = await p.recover(kernel.executor);
    assert.deepEqual(
      report.resumed.map((h) => h.executionId),
      [s.id],
    );
    const doc = await report.resumed[0]!.done;
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs, { use: { got: LOOKALIKE } });
    assert.deepEqual(doc.nodes.find((n) => n.nodeId === 'relay')!.output, LOOKALIKE);
  });
});
