import assert from 'node:assert/strict';
import { Tokens } from '../../../core/index';
import { startTestKernel } from '../../support/test-kernel';
import waitPlugin from '../../../plugins/wait/index';

/** The `wait` node type where nothing can wait: an in-memory store (`weft run` without `--db`). */
describe('wait node type without a database', () => {
  it('fails the node with WF_WAIT_UNSUPPORTED, naming what to do, instead of parking', async () => {
    const kernel = startTestKernel({ plugins: [waitPlugin] });
    try {
      const doc = await kernel.executor.run({ name: 'no-db', nodes: [{ id: 'w', type: 'wait', config: { durationMs: 10 } }] });
      assert.equal(doc.status, 'failed');
      assert.equal(doc.nodes[0]!.status, 'failed');
      assert.equal(doc.nodes[0]!.error!.code, 'WF_WAIT_UNSUPPORTED');
      assert.match(doc.nodes[0]!.error!.message, /weft run --db/);
    } finally {
      await kernel.stop();
    }
  });

  it('declares the signal names it waits for (the signals route accepts only those)', () => {
    const kernel = startTestKernel({ plugins: [waitPlugin] });
    try {
      const type = kernel.get(Tokens.NodeTypeRegistry).get('wait');
      assert.deepEqual(type.executor.signals!({ signal: 'approve' }), ['approve']);
      assert.deepEqual(type.executor.signals!({ durationMs: 5 }), []);
    } finally {
      void kernel.stop();
    }
  });
});
