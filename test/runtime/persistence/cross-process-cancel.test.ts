import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin, type RunCounter } from '../../support/persistence-test-plugin';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { startRecord } from './execution-fixtures';
import { waitFor } from '../../support/wait-for';

const slowMiddle: WorkflowDefinition = {
  name: 'slow-middle',
  nodes: [
    { id: 'first', type: 'echo', config: { value: 1 } },
    { id: 'slow', type: 'sleep', config: { ms: 20_000 } },
    { id: 'after', type: 'echo', config: { value: 3 } },
  ],
  edges: [
    { from: 'first', to: 'slow' },
    { from: 'slow', to: 'after' },
  ],
};

/**
 * Two processes on one database, as two kernels with their own stores (owners): process B asks
 * to cancel what process A runs, with the default poll period.
 */
describeDialects('cancelling an execution another process runs', (ctx) => {
  const kernels: Kernel[] = [];
  const kernelFor = (p: Persistence, runs: RunCounter = new Map()) => {
    const k = startTestKernel({ plugins: [persistenceTestPlugin(runs)], services: persistenceBindings(p) });
    kernels.push(k);
    return k;
  };
  after(async () => {
    for (const k of kernels.splice(0)) await k.stop().catch(() => undefined);
  });

  it('the owner notices the request within a second and cancels the run like a local cancel', async () => {
    const a = await ctx.open({ owner: 'test-host:101:process-a' });
    const b = await ctx.open({ owner: 'test-host:102:process-b' });
    const runs: RunCounter = new Map();
    const kernelA = kernelFor(a, runs);
    const kernelB = kernelFor(b);
    const saved = await a.workflowStore.create(slowMiddle);
    const handle = await kernelA.executor.start(saved.definition, { workflowId: saved.id, workflowVersion: saved.version, trigger: 'api' });
    const id = handle.executionId;
    await waitFor(async () => {
      await a.executionStore.flush();
      return (await b.executionStore.listNodeExecutions(id)).some((n) => n.nodeId === 'slow' && n.status === 'running');
    }, 'the slow node to run in process A');

    assert.equal(kernelB.executor.cancel(id, 'x'), false, 'process B does not run it');
    const asked = Date.now();
    assert.equal(await b.executionStore.requestCancel(id, 'cancelled from process B'), 'requested');
    const doc = await handle.done;
    const tookMs = Date.now() - asked;
    assert.ok(tookMs < 1_500, `noticed after ${tookMs} ms`);

    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.error!.type, 'CancelledError');
    assert.equal(doc.error!.message, 'cancelled from process B');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['first', 'succeeded'],
        ['slow', 'cancelled'],
        ['after', 'cancelled'],
      ],
    );
    const stored = (await b.executionStore.getExecution(id))!;
    assert.equal(stored.status, 'cancelled');
    assert.deepEqual(
      stored.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['first', 'succeeded'],
        ['slow', 'cancelled'],
        ['after', 'cancelled'],
      ],
    );
    assert.ok(stored.durationMs! < 10_000);
    assert.equal(runs.get('after'), undefined, 'nothing after the cancelled node ran');
    await assert.rejects(b.executionStore.requestCancel(id, 'again'), { code: 'WF_CONFLICT' });
  });

  it('a queued execution cancelled before any process claims it is never run by the one that claims it later', async () => {
    const a = await ctx.open({ owner: 'test-host:103:process-a' });
    const b = await ctx.open({ owner: 'test-host:104:process-b' });
    const runs: RunCounter = new Map();
    const kernelA = kernelFor(a, runs);
    const saved = await b.workflowStore.create({ ...slowMiddle, name: 'queued-then-cancelled' });
    const s = startRecord(saved.id, { workflowVersion: saved.version, status: 'pending', definition: saved.definition });
    await b.executionStore.startExecution(s);
    assert.equal(await b.executionStore.requestCancel(s.id, 'changed my mind'), 'cancelled');
    // what a worker does when it claims the job: resume the execution from its persisted nodes
    await assert.rejects(
      kernelA.executor.start(saved.definition, {
        executionId: s.id,
        workflowId: saved.id,
        workflowVersion: saved.version,
        resume: { startedAt: s.startedAt, nodes: [] },
      }),
      { code: 'WF_CONFLICT' },
    );
    assert.equal(runs.size, 0, 'no node ever ran');
    const doc = (await a.executionStore.getExecution(s.id))!;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status, n.attempts]),
      [
        ['first', 'cancelled', 0],
        ['slow', 'cancelled', 0],
        ['after', 'cancelled', 0],
      ],
    );
  });

  it('a request left for a dead owner is honoured by the process that resumes the execution', async () => {
    const a = await ctx.open({ owner: 'test-host:105:process-a' });
    const b = await ctx.open({ owner: 'test-host:106:process-b' });
    const runs: RunCounter = new Map();
    const saved = await a.workflowStore.create({ ...slowMiddle, name: 'orphan-then-cancelled' });
    // process C ran it and died (a stale heartbeat); a cancel request arrives meanwhile
    const s = startRecord(saved.id, { workflowVersion: saved.version });
    await b.executionStore.startExecution(s);
    await b.executionStore
      .knex('workflow_execution')
      .where({ id: s.id })
      .update({ owner: 'elsewhere:7:dead', heartbeat_at: Date.now() - 120_000 });
    assert.equal(await b.executionStore.requestCancel(s.id, 'while its process was down'), 'requested');
    const report = await a.recover(kernelFor(a, runs).executor);
    assert.equal(report.resumed.length, 1);
    const doc = await report.resumed[0]!.done;
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.error!.message, 'while its process was down');
    assert.equal(runs.get('after'), undefined);
  });
});
