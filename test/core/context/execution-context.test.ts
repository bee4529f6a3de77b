import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

describe('execution context', () => {
  it('node outputs cannot be modified by later nodes', async () => {
    const seen: unknown[] = [];
    const kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          make: () => ({ list: [1, 2], nested: { v: 1 } }),
          mutate: (input: { list: number[]; nested: { v: number } }) => {
            const errors: string[] = [];
            try {
              input.list.push(3);
            } catch (e) {
              errors.push((e as Error).name);
            }
            try {
              input.nested.v = 99;
            } catch (e) {
              errors.push((e as Error).name);
            }
            return errors;
          },
          read: (input: unknown) => (seen.push(input), input),
        }),
      ],
    });
    const doc = await kernel.executor.run({
      name: 'immut',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'make' } },
        { id: 'b', type: 'fn', config: { fn: 'mutate', input: '{{ nodes.a.output }}' } },
        { id: 'c', type: 'fn', config: { fn: 'read', input: '{{ nodes.a.output }}' } },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    });
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(doc.nodes.find((n) => n.nodeId === 'b')!.output, ['TypeError', 'TypeError']);
    assert.deepEqual(seen[0], { list: [1, 2], nested: { v: 1 } });
    await kernel.stop();
  });

  it("two executions of one workflow at once never see each other's context", async () => {
    const kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          slowEcho: async (i: unknown) => {
            await new Promise((r) => setTimeout(r, 20));
            return i;
          },
        }),
      ],
    });
    const def = {
      name: 'iso',
      variables: { who: 'default' },
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'slowEcho', input: '{{ variables.who }}' } },
        { id: 'b', type: 'fn', config: { fn: 'slowEcho', input: 'from {{ nodes.a.output }} / {{ inputs.who }}' } },
      ],
      edges: [{ from: 'a', to: 'b' }],
      outputs: { b: '{{ nodes.b.output }}' },
    };
    const runs = await Promise.all(['x', 'y', 'z', 'w'].map((who) => kernel.executor.run(def, { inputs: { who } })));
    assert.deepEqual(
      runs.map((r) => r.outputs!.b),
      ['from x / x', 'from y / y', 'from z / z', 'from w / w'],
    );
    await kernel.stop();
  });

  it('execution inputs are merged over variables, and new keys are added', async () => {
    const kernel = startTestKernel({ plugins: [createTestPlugin()] });
    const doc = await kernel.executor.run(
      {
        name: 'merge',
        variables: { a: 1, b: 2 },
        nodes: [{ id: 'n', type: 'noop', config: { input: { a: '{{ variables.a }}', b: '{{ variables.b }}', c: '{{ variables.c }}' } } }],
      },
      { inputs: { b: 20, c: 30 } },
    );
    assert.deepEqual(doc.nodes[0]!.output, { a: 1, b: 20, c: 30 });
    await kernel.stop();
  });
});

describe('execution context scope', () => {
  it('a node cannot add, replace or delete entries of scope.nodes', async () => {
    const kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          make: () => 'original',
          tamper: (_input: unknown, ctx) => {
            const nodes = ctx.scope.nodes as Record<string, unknown>;
            const results: string[] = [];
            for (const attempt of [
              () => (nodes.a = { output: 'forged' }),
              () => delete nodes.a,
              () => (nodes.later = { output: 'planted' }),
            ]) {
              try {
                attempt();
                results.push('allowed');
              } catch {
                results.push('refused');
              }
            }
            return results;
          },
        }),
      ],
    });
    const doc = await kernel.executor.run({
      name: 'tamper',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'make' } },
        { id: 't', type: 'fn', config: { fn: 'tamper' } },
        { id: 'later', type: 'noop', config: { input: '{{ nodes.a.output }}' } },
      ],
      edges: [
        { from: 'a', to: 't' },
        { from: 't', to: 'later' },
      ],
    });
    assert.deepEqual(doc.nodes[1]!.output, ['refused', 'refused', 'refused']);
    assert.equal(doc.nodes[2]!.output, 'original');
    await kernel.stop();
  });
});
