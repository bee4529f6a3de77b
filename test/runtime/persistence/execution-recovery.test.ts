import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describeDialects } from './dialect-harness';
import { nodeDone, nodeRunning, startRecord } from './execution-fixtures';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin, type RunCounter } from '../../support/persistence-test-plugin';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { isStale } from '../../../runtime/persistence/execution-owner';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';

const chain: WorkflowDefinition = {
  name: 'resumable',
  nodes: [
    { id: 'a', type: 'echo', config: { value: { n: 1 } } },
    { id: 'b', type: 'echo', config: { value: { n: 2 } } },
    { id: 'c', type: 'echo', config: { value: { fromB: '{{ nodes.b.output.n }}' } } },
    { id: 'd', type: 'echo', config: { value: { fromC: '{{ nodes.c.output.fromB }}' } } },
  ],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'd' },
  ],
  outputs: { last: '{{ nodes.d.output }}' },
};

/** An owner string for a process on this host that has exited. */
function deadOwner(): string {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  return `${hostname().slice(0, 80)}:${pid}:dead00`;
}

describeDialects('execution recovery', (ctx) => {
  const kernels: Kernel[] = [];
  const kernelFor = (p: Persistence, runs: RunCounter) => {
    const k = startTestKernel({ plugins: [persistenceTestPlugin(runs)], services: persistenceBindings(p) });
    kernels.push(k);
    return k;
  };
  after(async () => {
    for (const k of kernels) await k.stop();
  });

  /** Leaves an execution as a crashed process would: a, b finished; c in flight; d never started. */
  async function crashedExecution(owner: string, workflowId: string, version: number): Promise<string> {
    const dead = await ctx.open({ owner });
    const s = startRecord(workflowId, { workflowVersion: version, inputs: { x: 1 }, definition: chain });
    await dead.executionStore.startExecution(s);
    await dead.executionStore.nodeFinished(s.id, nodeDone('a', { n: 1 }));
    await dead.executionStore.nodeFinished(s.id, nodeDone('b', { n: 2 }));
    await dead.executionStore.nodeStarted(s.id, nodeRunning('c'));
    await dead.close();
    return s.id;
  }

  it('resumes a running execution of a dead process without re-running finished nodes', async () => {
    const live = await ctx.open();
    const saved = await live.workflowStore.create(chain);
    const id = await crashedExecution(deadOwner(), saved.id, 1);
    const runs: RunCounter = new Map();
    const report = await live.recover(kernelFor(live, runs).executor);
    assert.deepEqual(report.interrupted, []);
    assert.deepEqual(
      report.resumed.map((h) => h.executionId),
      [id],
    );
    const doc = await report.resumed[0]!.done;
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(Object.fromEntries(runs), { c: 1, d: 1 }, 'a and b were not run again; c (in flight) was');
    assert.deepEqual(doc.outputs, { last: { fromC: 2 } });
    const stored = (await live.executionStore.getExecution(id))!;
    assert.equal(stored.status, 'succeeded');
    assert.equal(stored.id, id);
    assert.deepEqual(
      stored.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['a', 'succeeded'],
        ['b', 'succeeded'],
        ['c', 'succeeded'],
        ['d', 'succeeded'],
      ],
    );
    // nothing is left to recover
    const again = await live.recover(kernelFor(live, runs).executor);
    assert.equal(again.resumed.length + again.interrupted.length, 0);
  });

  it('ends executions it cannot resume failed with reason interrupted', async () => {
    const live = await ctx.open();
    // the pinned version does not exist
    const missing = await crashedExecution(deadOwner(), 'wf_missing_version', 9);
    await live.executionStore.knex('workflow_execution').where({ id: missing }).update({ definition: null });
    // the pinned version no longer validates (its node type is gone)
    const broken = await live.workflowStore.create({ name: 'broken', nodes: [{ id: 'a', type: 'removed-type' }] });
    const invalid = await crashedExecution(deadOwner(), broken.id, 1);
    const runs: RunCounter = new Map();
    const report = await live.recover(kernelFor(live, runs).executor);
    assert.equal(report.resumed.length, 0);
    assert.deepEqual([...report.interrupted].sort(), [missing, invalid].sort());
    for (const id of [missing, invalid]) {
      const doc = (await live.executionStore.getExecution(id))!;
      assert.equal(doc.status, 'failed');
      assert.equal(doc.error!.code, 'WF_INTERRUPTED');
      assert.equal(doc.error!.type, 'WeftError');
      assert.equal(doc.error!.reason, 'interrupted');
      assert.ok(doc.finishedAt && doc.durationMs !== null);
      assert.equal(doc.nodes.find((n) => n.nodeId === 'c')!.status, 'failed', 'the in-flight node does not stay running');
      assert.equal(doc.nodes.find((n) => n.nodeId === 'a')!.status, 'succeeded');
    }
    assert.equal(runs.size, 0);
  });

  it('leaves executions of live owners alone and takes over stale heartbeats, once, across processes', async () => {
    const live = await ctx.open();
    const saved = await live.workflowStore.create(chain);
    const remote = await crashedExecution('other-host:4242:abcdef', saved.id, 1);
    const runs: RunCounter = new Map();
    const none = await live.recover(kernelFor(live, runs).executor);
    assert.equal(none.resumed.length + none.interrupted.length, 0, 'a fresh heartbeat means a live owner');
    assert.equal((await live.executionStore.getExecution(remote))!.status, 'running');
    // the remote worker stopped beating a minute ago
    await live.executionStore
      .knex('workflow_execution')
      .where({ id: remote })
      .update({ heartbeat_at: Date.now() - 60_000 });
    // another process: on another host (two stores of this process share its host and pid, and a
    // same-host same-pid owner reads as this process's previous incarnation, so stale at once)
    const other = await ctx.open({ owner: 'other-machine:4343:bbbbbb' });
    const [r1, r2] = await Promise.all([live.recover(kernelFor(live, runs).executor), other.recover(kernelFor(other, runs).executor)]);
    assert.equal(r1.resumed.length + r2.resumed.length, 1, 'exactly one process resumed it');
    await [...r1.resumed, ...r2.resumed][0]!.done;
    assert.deepEqual(Object.fromEntries(runs), { c: 1, d: 1 });
    assert.equal((await live.executionStore.getExecution(remote))!.status, 'succeeded');
  });

  it('refuses to resume an execution another live process owns, and takes over a stale one', async () => {
    const live = await ctx.open();
    const saved = await live.workflowStore.create(chain);
    const id = await crashedExecution('other-host:77:ffffff', saved.id, 1);
    await assert.rejects(live.executionStore.resumeExecution(id), { code: 'WF_CONFLICT' });
    const runs: RunCounter = new Map();
    await assert.rejects(
      kernelFor(live, runs).executor.start(chain, {
        executionId: id,
        workflowId: saved.id,
        resume: { startedAt: new Date().toISOString(), nodes: [] },
      }),
      { code: 'WF_CONFLICT' },
    );
    assert.equal(runs.size, 0);
    await live.executionStore
      .knex('workflow_execution')
      .where({ id })
      .update({ heartbeat_at: Date.now() - 60_000 });
    await live.executionStore.resumeExecution(id);
    const row = await live.executionStore.knex('workflow_execution').where({ id }).first('owner', 'status');
    assert.deepEqual({ ...row }, { owner: live.executionStore.owner, status: 'running' });
    await assert.rejects(live.executionStore.resumeExecution('no-such-execution'), { code: 'WF_NOT_FOUND' });
  });

  it('judges owners: none, itself restarted, a gone pid on this host, or a stale heartbeat', () => {
    const me = `${hostname().slice(0, 80)}:${process.pid}:aaaaaa`;
    const fresh = Date.now();
    assert.equal(isStale({ owner: null, heartbeat_at: fresh }, me, fresh - 1000), true);
    assert.equal(isStale({ owner: me, heartbeat_at: 0 }, me, fresh - 1000), false);
    assert.equal(isStale({ owner: `${hostname().slice(0, 80)}:${process.pid}:bbbbbb`, heartbeat_at: fresh }, me, fresh - 1000), true);
    assert.equal(isStale({ owner: deadOwner(), heartbeat_at: fresh }, me, fresh - 1000), true);
    assert.equal(isStale({ owner: 'elsewhere:1:x', heartbeat_at: fresh }, me, fresh - 1000), false);
    assert.equal(isStale({ owner: 'elsewhere:1:x', heartbeat_at: String(fresh - 5000) }, me, fresh - 1000), true);
  });
});
