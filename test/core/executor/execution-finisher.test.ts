import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { NodeExecutionError, PersistenceError } from '../../../core/errors/weft-error';
import { Tokens } from '../../../core/di/tokens';
import { bind } from '../../../core/kernel/kernel';
import type { ExecutionDocument, NodeExecutionRecord } from '../../../core/model/execution-document';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';

/** A store whose `nodeFinished` throws at once (not a rejected promise) for the records that finishing writes. */
class ThrowingAtFinishStore extends InMemoryExecutionStore {
  override nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    if (record.status === 'cancelled') throw new PersistenceError(`store broke writing ${record.nodeId}`);
    return super.nodeFinished(executionId, record);
  }
}

/** Rejects when `done` has not settled within `ms`: a pending `done` fails the test instead of hanging it. */
function settledWithin(done: Promise<ExecutionDocument>, ms: number): Promise<ExecutionDocument> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`done still pending after ${ms} ms`)), ms);
  });
  return Promise.race([done, limit]).finally(() => clearTimeout(timer));
}

describe('executor: finishing an execution', () => {
  it('settles done, failed with the error, when a store write throws while the execution finishes', async () => {
    const store = new ThrowingAtFinishStore();
    const kernel = startTestKernel({
      plugins: [createTestPlugin({ boom: () => Promise.reject(new NodeExecutionError('boom')) })],
      overrides: [bind(Tokens.ExecutionStore, () => store)],
    });
    try {
      // one slot: `a` fails (stop mode) while `b` waits in the queue, so finishing records the
      // never-started `b` as cancelled, and that write throws
      const handle = await kernel.executor.start({
        name: 'w',
        settings: { maxParallel: 1 },
        nodes: [
          { id: 'a', type: 'fn', config: { fn: 'boom' } },
          { id: 'b', type: 'noop', config: {} },
        ],
      });
      const doc = await settledWithin(handle.done, 5_000);
      assert.equal(doc.status, 'failed');
      assert.match(doc.error!.message, /store broke writing b/);
      assert.equal(doc.nodes.find((n) => n.nodeId === 'a')!.status, 'failed');
      const stored = await store.getExecution(doc.id);
      assert.equal(stored!.status, 'failed', 'the end is still recorded');
      assert.equal(kernel.executor.isActive(doc.id), false, 'the execution left the active set');
    } finally {
      await kernel.stop();
    }
  });
});
