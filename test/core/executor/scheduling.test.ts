import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import type { Kernel } from '../../../core/kernel/kernel';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('executor scheduling', () => {
  let kernel: Kernel;
  let active = 0;
  let peak = 0;
  const starts: Record<string, number> = {};
  const ends: Record<string, number> = {};
  before(() => {
    kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          work: async (input: { id: string; ms: number }) => {
            starts[input.id] = Date.now();
            active++;
            peak = Math.max(peak, active);
            await sleep(input.ms);
            active--;
            ends[input.id] = Date.now();
            return input.id;
          },
        }),
      ],
    });
  });
  after(() => kernel.stop());
  const work = (id: string, ms: number) => ({ id, type: 'fn', config: { fn: 'work', input: { id, ms } } });

  it('starts a node as soon as its own upstreams finish, not when a level finishes', async () => {
    // level 1: fast (20 ms) and slow (400 ms); "after-fast" depends only on fast.
    const doc = await kernel.executor.run({
      name: 'unbalanced',
      nodes: [work('fast', 20), work('slow', 400), work('afterFast', 20), work('join', 10)],
      edges: [
        { from: 'fast', to: 'afterFast' },
        { from: 'slow', to: 'join' },
        { from: 'afterFast', to: 'join' },
      ],
    });
    assert.equal(doc.status, 'succeeded');
    // a level-barrier executor would start afterFast only after slow finished
    assert.ok(
      starts.afterFast! < ends.slow!,
      `afterFast started at +${starts.afterFast! - starts.slow!} ms, slow ended at +${ends.slow! - starts.slow!} ms`,
    );
    assert.ok(starts.join! >= ends.slow!, 'join waits for all of its upstreams');
  });

  it('respects maxParallel (peak concurrency measured) and defaults to 10', async () => {
    peak = 0;
    const nodes = Array.from({ length: 12 }, (_, i) => work(`p${i}`, 30));
    await kernel.executor.run({ name: 'bounded', settings: { maxParallel: 3 }, nodes });
    assert.equal(peak, 3);
    peak = 0;
    const many = Array.from({ length: 25 }, (_, i) => work(`q${i}`, 30));
    await kernel.executor.run({ name: 'default-bound', nodes: many });
    assert.equal(peak, 10);
  });

  it('selects one branch; inactive edges skip; skipping propagates; joins run with one active edge', async () => {
    const doc = await kernel.executor.run(
      {
        name: 'branches',
        nodes: [
          { id: 'cond', type: 'branch', config: { input: '{{ inputs.pick }}' } },
          { id: 'yes', type: 'noop', config: { input: 'Y' } },
          { id: 'no', type: 'noop', config: { input: 'N' } },
          { id: 'afterNo', type: 'noop' },
          { id: 'join', type: 'noop', config: { input: '{{ nodes.yes.output }}' } },
        ],
        edges: [
          { from: 'cond', to: 'yes', branch: 'true' },
          { from: 'cond', to: 'no', branch: 'false' },
          { from: 'no', to: 'afterNo' },
          { from: 'yes', to: 'join' },
          { from: 'afterNo', to: 'join' },
        ],
      },
      { inputs: { pick: 'true' } },
    );
    const by = Object.fromEntries(doc.nodes.map((n) => [n.nodeId, n]));
    assert.equal(doc.status, 'succeeded');
    assert.equal(by.yes!.status, 'succeeded');
    assert.equal(by.no!.status, 'skipped');
    assert.equal(by.no!.skipReason, 'branch_not_taken');
    assert.equal(by.afterNo!.status, 'skipped');
    assert.equal(by.afterNo!.skipReason, 'branch_not_taken');
    assert.equal(by.join!.status, 'succeeded');
    assert.equal(by.join!.output, 'Y');
    assert.equal(by.no!.attempts, 0);
  });

  it('skips a node whose incoming edges are all inactive, including "default" branches', async () => {
    const doc = await kernel.executor.run({
      name: 'default-branch',
      nodes: [
        { id: 'cond', type: 'branch', config: { input: 'default', labels: ['a', 'b'] } },
        { id: 'a', type: 'noop' },
        { id: 'd', type: 'noop' },
      ],
      edges: [
        { from: 'cond', to: 'a', branch: 'a' },
        { from: 'cond', to: 'd', branch: 'default' },
      ],
    });
    const by = Object.fromEntries(doc.nodes.map((n) => [n.nodeId, n.status]));
    assert.deepEqual(by, { cond: 'succeeded', a: 'skipped', d: 'succeeded' });
  });

  it('lists every node exactly once, in definition order', async () => {
    const doc = await kernel.executor.run({ name: 'order', nodes: [work('z1', 5), work('a1', 1), work('m1', 3)] });
    assert.deepEqual(
      doc.nodes.map((n) => n.nodeId),
      ['z1', 'a1', 'm1'],
    );
  });
});
