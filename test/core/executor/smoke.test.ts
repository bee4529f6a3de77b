import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

describe('executor smoke', () => {
  it('runs a small DAG', async () => {
    const kernel = startTestKernel({ plugins: [createTestPlugin({ add: (i: { a: number; b: number }) => i.a + i.b })] });
    const doc = await kernel.executor.run({
      name: 'smoke',
      variables: { x: 2 },
      nodes: [
        { id: 'a', type: 'noop', config: { input: '{{ variables.x }}' } },
        { id: 'b', type: 'fn', config: { fn: 'add', input: { a: '{{ nodes.a.output }}', b: 3 } } },
      ],
      edges: [{ from: 'a', to: 'b' }],
      outputs: { sum: '{{ nodes.b.output }}' },
    });
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(doc.outputs, { sum: 5 });
    await kernel.stop();
  });
});
