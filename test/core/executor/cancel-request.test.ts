import assert from 'node:assert/strict';
import { bind, Tokens, type NodeRunContext, type WorkflowDefinition } from '../../../core/index';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { waitFor } from '../../support/wait-for';

const wait = (_input: unknown, ctx: NodeRunContext) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, 20_000);
    ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
  });

const slow: WorkflowDefinition = {
  name: 'slow',
  nodes: [
    { id: 'a', type: 'noop', config: { input: 1 } },
    { id: 'b', type: 'fn', config: { fn: 'wait' }, fallback: 'fb' },
    { id: 'fb', type: 'noop', config: {} },
    { id: 'c', type: 'noop', config: {} },
  ],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
  ],
};

/** Two kernels on one store stand for two processes sharing a database. */
describe('cancel requests through the execution store (in memory)', () => {
  const ran: string[] = [];
  const plugin = () => createTestPlugin({ wait: (i, ctx) => (ran.push(ctx.nodeId), wait(i, ctx)) });
  const kernelsOn = (store: InMemoryExecutionStore) =>
    [0, 1].map(() => startTestKernel({ plugins: [plugin()], overrides: [bind(Tokens.ExecutionStore, () => store)] }));

  beforeEach(() => void ran.splice(0));

  it('cancels a running execution in the kernel that runs it, at once', async () => {
    const store = new InMemoryExecutionStore();
    const [owner, other] = kernelsOn(store);
    try {
      await other!.executor.run({ name: 'warm', nodes: [{ id: 'x', type: 'noop', config: {} }] }); // the other kernel watches too
      const handle = await owner!.executor.start(slow);
      await waitFor(() => ran.includes('b'), 'node b to run');
      assert.equal(other!.executor.cancel(handle.executionId), false);
      assert.equal(await store.requestCancel(handle.executionId, 'from the other kernel'), 'requested');
      const doc = await handle.done;
      assert.equal(doc.status, 'cancelled');
      assert.equal(doc.error!.message, 'from the other kernel');
      assert.deepEqual(
        doc.nodes.map((n) => [n.nodeId, n.status]),
        [
          ['a', 'succeeded'],
          ['b', 'cancelled'],
          ['c', 'cancelled'],
        ],
      );
      await assert.rejects(store.requestCancel(handle.executionId, 'again'), { code: 'WF_CONFLICT' });
    } finally {
      await owner!.stop();
      await other!.stop();
    }
  });

  it('ends a pending execution cancelled with every scheduled node, and refuses to resume it', async () => {
    const store = new InMemoryExecutionStore();
    const [kernel] = kernelsOn(store);
    try {
      const id = '01900000-0000-7000-8000-00000000c0de';
      await store.startExecution({
        id,
        workflowId: 'wf',
        workflowVersion: 1,
        trigger: 'api',
        inputs: {},
        startedAt: new Date().toISOString(),
        definition: slow,
        status: 'pending',
      });
      assert.equal((await store.getExecution(id))!.status, 'pending');
      assert.equal(await store.requestCancel(id, 'not wanted'), 'cancelled');
      const doc = (await store.getExecution(id))!;
      assert.equal(doc.status, 'cancelled');
      assert.equal(doc.error!.type, 'CancelledError');
      assert.deepEqual(
        doc.nodes.map((n) => [n.nodeId, n.status, n.attempts]),
        [
          ['a', 'cancelled', 0],
          ['b', 'cancelled', 0],
          ['c', 'cancelled', 0],
        ],
      );
      await assert.rejects(kernel!.executor.start(slow, { executionId: id, resume: { startedAt: doc.startedAt!, nodes: [] } }), {
        code: 'WF_CONFLICT',
      });
      assert.deepEqual(ran, []);
    } finally {
      await kernel!.stop();
    }
  });

  it('answers finished executions with a conflict and unknown ones with not found', async () => {
    const store = new InMemoryExecutionStore();
    const [kernel] = kernelsOn(store);
    try {
      const doc = await kernel!.executor.run({ name: 'quick', nodes: [{ id: 'x', type: 'noop', config: {} }] });
      await assert.rejects(store.requestCancel(doc.id, 'late'), { code: 'WF_CONFLICT', message: /already finished \(succeeded\)/ });
      for (const id of ['nope', '', '__proto__', 'constructor', 42 as unknown as string])
        await assert.rejects(store.requestCancel(id, 'r'), { code: 'WF_NOT_FOUND' });
    } finally {
      await kernel!.stop();
    }
  });

  it('stops listening when the kernel stops', async () => {
    const store = new InMemoryExecutionStore();
    const [kernel] = kernelsOn(store);
    await kernel!.executor.run({ name: 'quick', nodes: [{ id: 'x', type: 'noop', config: {} }] });
    const listeners = (store as unknown as { cancelListeners: Set<unknown> }).cancelListeners;
    assert.equal(listeners.size, 1);
    await kernel!.stop();
    assert.equal(listeners.size, 0);
  });
});
