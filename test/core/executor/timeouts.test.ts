import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import type { Kernel } from '../../../core/kernel/kernel';
import { waitFor } from '../../support/wait-for';

describe('timeouts and cancellation', () => {
  let kernel: Kernel;
  let aborted: string[] = [];
  /** `executionId:nodeId` of every node that has started (tests cancel once theirs run). */
  const started = new Set<string>();
  const running = (executionId: string, ...nodeIds: string[]) =>
    waitFor(() => nodeIds.every((n) => started.has(`${executionId}:${n}`)), `${nodeIds.join(', ')} to run`);
  before(() => {
    kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          // honours its signal
          wait: (input: { ms: number }, ctx) =>
            new Promise((resolve, reject) => {
              started.add(`${ctx.executionId}:${ctx.nodeId}`);
              const t = setTimeout(() => resolve('done'), input.ms);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                aborted.push(ctx.nodeId);
                reject(ctx.signal.reason);
              });
            }),
          // ignores its signal and never settles
          stubborn: (_input: unknown, ctx) => {
            started.add(`${ctx.executionId}:${ctx.nodeId}`);
            return new Promise(() => {});
          },
          attemptCount: async (input: { ms: number }, ctx) => {
            if (ctx.attempt === 1) await new Promise(() => {});
            return `attempt ${ctx.attempt}`;
          },
        }),
      ],
    });
  });
  after(() => kernel.stop());
  beforeEach(() => (aborted = []));

  it('a node timeout is a retryable TimeoutError', async () => {
    const doc = await kernel.executor.run({
      name: 'node-timeout',
      settings: { onNodeFailure: 'continue' },
      nodes: [
        { id: 'once', type: 'fn', timeoutMs: 50, config: { fn: 'wait', input: { ms: 5000 } } },
        {
          id: 'retried',
          type: 'fn',
          timeoutMs: 50,
          retry: { maxAttempts: 2, initialDelayMs: 1 },
          config: { fn: 'attemptCount', input: { ms: 0 } },
        },
      ],
    });
    const [once, retried] = doc.nodes;
    assert.equal(once!.status, 'failed');
    assert.equal(once!.error!.type, 'TimeoutError');
    assert.match(once!.error!.message, /node "once" timed out after 50 ms/);
    assert.deepEqual(aborted, ['once'], 'the node saw its signal abort');
    assert.equal(retried!.status, 'succeeded');
    assert.equal(retried!.output, 'attempt 2');
  });

  it('a workflow timeout ends the execution failed with TimeoutError and running nodes cancelled', async () => {
    const doc = await kernel.executor.run({
      name: 'wf-timeout',
      settings: { timeoutMs: 100 },
      nodes: [
        { id: 'w', type: 'fn', config: { fn: 'wait', input: { ms: 10_000 } } },
        { id: 'next', type: 'noop' },
      ],
      edges: [{ from: 'w', to: 'next' }],
    });
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error!.type, 'TimeoutError');
    assert.match(doc.error!.message, /workflow timed out after 100 ms/);
    assert.equal(doc.nodes[0]!.status, 'cancelled');
    assert.equal(doc.nodes[1]!.status, 'cancelled');
  });

  it('cancelling aborts running nodes through their AbortSignal and ends cancelled', async () => {
    const handle = await kernel.executor.start({
      name: 'cancel',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'wait', input: { ms: 10_000 } } },
        { id: 'b', type: 'fn', config: { fn: 'wait', input: { ms: 10_000 } } },
      ],
    });
    await running(handle.executionId, 'a', 'b');
    assert.equal(kernel.executor.cancel(handle.executionId), true);
    const doc = await handle.done;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(
      doc.nodes.map((n) => n.status),
      ['cancelled', 'cancelled'],
    );
    assert.deepEqual(aborted.sort(), ['a', 'b']);
    assert.equal(doc.error!.type, 'CancelledError');
    assert.equal(kernel.executor.cancel(handle.executionId), false, 'nothing left to cancel');
  });

  it('an external AbortSignal cancels too', async () => {
    const ac = new AbortController();
    const handle = await kernel.executor.start(
      { name: 'signal', nodes: [{ id: 'a', type: 'fn', config: { fn: 'wait', input: { ms: 10_000 } } }] },
      { signal: ac.signal },
    );
    await running(handle.executionId, 'a');
    ac.abort();
    assert.equal((await handle.done).status, 'cancelled');
  });

  it('a tool that ignores its signal does not keep the execution alive', async () => {
    const t0 = Date.now();
    const timedOut = await kernel.executor.run({
      name: 'stubborn-timeout',
      nodes: [{ id: 's', type: 'fn', timeoutMs: 50, config: { fn: 'stubborn' } }],
    });
    assert.equal(timedOut.status, 'failed');
    assert.equal(timedOut.nodes[0]!.error!.type, 'TimeoutError');
    const handle = await kernel.executor.start({ name: 'stubborn-cancel', nodes: [{ id: 's', type: 'fn', config: { fn: 'stubborn' } }] });
    await running(handle.executionId, 's');
    handle.cancel('stop it');
    const doc = await handle.done;
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.nodes[0]!.status, 'cancelled');
    assert.ok(Date.now() - t0 < 5000);
  });
});
