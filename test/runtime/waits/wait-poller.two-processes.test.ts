import assert from 'node:assert/strict';
import { describeDialects } from '../persistence/dialect-harness';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin, type RunCounter } from '../../support/persistence-test-plugin';
import { waitFor } from '../../support/wait-for';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { WaitPoller } from '../../../runtime/waits/wait-poller';
import { localWakeHandler } from '../../../runtime/waits/wake-handlers';
import { silentLogger } from '../../../core/services/logger';
import type { Kernel } from '../../../core/kernel/kernel';
import waitPlugin from '../../../plugins/wait/index';

const N = 30;

/**
 * Two processes on one database (two kernels, two stores with their own owners, two pollers):
 * every due timer wakes its execution exactly once, whichever poller sees it first.
 */
describeDialects('durable timers polled by two processes', (ctx) => {
  const kernels: Kernel[] = [];
  const pollers: WaitPoller[] = [];
  // stopped by the test itself: the harness closes the databases in its own after hook, which runs first
  async function stopAll(): Promise<void> {
    for (const p of pollers.splice(0)) await p.stop();
    for (const k of kernels.splice(0)) await k.stop().catch(() => undefined);
  }

  function process(p: Persistence, runs: RunCounter, woke: string[]): Kernel {
    const kernel = startTestKernel({ plugins: [waitPlugin, persistenceTestPlugin(runs)], services: persistenceBindings(p) });
    kernels.push(kernel);
    const poller = new WaitPoller({ store: p.executionStore, logger: silentLogger, intervalMs: 20 });
    pollers.push(poller);
    const local = localWakeHandler({
      store: p.executionStore,
      workflowStore: p.workflowStore,
      executor: kernel.executor,
      logger: silentLogger,
    });
    poller.start({ target: 'local', resume: async (w) => (woke.push(w.id), local.resume(w)) });
    return kernel;
  }

  it('fires each due timer once (the node after it runs once per execution) and the executions succeed', async function () {
    this.timeout(60_000);
    try {
      await twoProcesses();
    } finally {
      await stopAll();
    }
  });

  async function twoProcesses(): Promise<void> {
    const a = await ctx.open({ owner: 'test-host:201:process-a' });
    const b = await ctx.open({ owner: 'test-host:202:process-b' });
    const runs: RunCounter = new Map();
    const wokeA: string[] = [];
    const wokeB: string[] = [];
    const kernelA = process(a, runs, wokeA);
    process(b, runs, wokeB);
    const saved = await a.workflowStore.create({
      name: 'timers-twice',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 400 } },
        { id: 'after', type: 'echo', config: { value: '{{ nodes.w.output.firedAt }}' } },
      ],
      edges: [{ from: 'w', to: 'after' }],
    });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const h = await kernelA.executor.start(saved.definition, { workflowId: saved.id, workflowVersion: saved.version, trigger: 'api' });
      assert.equal((await h.done).status, 'waiting');
      ids.push(h.executionId);
    }
    const docs = await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => b.executionStore.getExecution(id)));
        return all.every((d) => d!.status === 'succeeded') ? all : undefined;
      },
      'every execution to finish',
      { timeoutMs: 30_000 },
    );
    assert.equal(runs.get('after'), N, `the node after the timer ran ${runs.get('after')} times for ${N} executions`);
    assert.equal(wokeA.length + wokeB.length, N, `woken ${wokeA.length} + ${wokeB.length} times`);
    assert.equal(new Set([...wokeA, ...wokeB]).size, N);
    for (const d of docs) {
      const fired = d!.nodes.find((n) => n.nodeId === 'w')!.output as { firedAt: string };
      assert.equal(d!.nodes.find((n) => n.nodeId === 'after')!.output, fired.firedAt);
    }
  }
});
