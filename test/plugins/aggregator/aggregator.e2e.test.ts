import assert from 'node:assert/strict';
import { aggregatorPlugin } from '../../../plugins/aggregator/index';
import { bind, DEFAULT_KERNEL_SETTINGS, type Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import { loadConfig } from '../../../runtime/config/weft-config';
import { sandboxBinding } from '../../../runtime/sandbox/sandbox.bindings';
import { workerPoolBinding } from '../../../runtime/worker-pool/worker-pool.bindings';
import type { PiscinaWorkerPool } from '../../../runtime/worker-pool/piscina-worker-pool';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

/** The aggregator inside real workflows: executor, templates, real sandbox and worker pool. */
describe('aggregator in a workflow', function () {
  let kernel: Kernel;
  const rows = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => ({ amount: (i + offset) % 10 }));

  before(() => {
    const config = loadConfig({ WEFT_SANDBOX_CPU_MS: '300', WEFT_SANDBOX_POOL_SIZE: '1', WEFT_WORKER_POOL_SIZE: '2' });
    kernel = startTestKernel({
      plugins: [createTestPlugin({ rows: (i: { n: number; offset: number }) => rows(i.n, i.offset) }), aggregatorPlugin],
      services: [
        sandboxBinding(config),
        workerPoolBinding(config),
        bind(Tokens.KernelSettings, () => ({ ...DEFAULT_KERNEL_SETTINGS, aggregateWorkerThreshold: 5_000 })),
      ],
    });
  });
  after(() => kernel.stop());

  it('sums upstream outputs by default, merges and runs custom code from templated inputs', async () => {
    const doc = await kernel.executor.run({
      name: 'agg',
      variables: { bonus: 100 },
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'rows', input: { n: 3, offset: 0 } } },
        { id: 'b', type: 'fn', config: { fn: 'rows', input: { n: 2, offset: 5 } } },
        { id: 'total', type: 'aggregator', config: { strategy: 'sum', field: 'amount' } },
        { id: 'merged', type: 'aggregator', config: { strategy: 'merge', inputs: [{ x: 1 }, '{{ variables }}'] } },
        {
          id: 'custom',
          type: 'aggregator',
          config: { strategy: 'custom', inputs: ['{{ nodes.total.output }}'], code: 'return inputs[0] + variables.bonus' },
        },
      ],
      edges: [
        { from: 'a', to: 'total' },
        { from: 'b', to: 'total' },
        { from: 'total', to: 'custom' },
      ],
      outputs: { total: '{{ nodes.total.output }}', merged: '{{ nodes.merged.output }}', custom: '{{ nodes.custom.output }}' },
    });
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.nodes));
    assert.deepEqual(doc.outputs, { total: 0 + 1 + 2 + 5 + 6, merged: { x: 1, bonus: 100 }, custom: 114 });
  });

  it('large upstream outputs go through the worker pool', async () => {
    const pool = kernel.get(Tokens.WorkerPool) as PiscinaWorkerPool;
    const before = pool.stats().tasks;
    const doc = await kernel.executor.run({
      name: 'big',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'rows', input: { n: 30_000, offset: 0 } } },
        { id: 'avg', type: 'aggregator', config: { strategy: 'avg', field: 'amount' } },
      ],
      edges: [{ from: 'a', to: 'avg' }],
      outputs: { avg: '{{ nodes.avg.output }}' },
    });
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.nodes.map((n) => n.error)));
    assert.equal(doc.outputs!.avg, 4.5);
    assert.ok(pool.stats().tasks > before, 'the pool ran the chunks');
  });

  it('a sandbox breach fails the node with SandboxError and the workflow keeps its shape', async () => {
    const doc = await kernel.executor.run({
      name: 'breach',
      nodes: [{ id: 'spin', type: 'aggregator', config: { strategy: 'custom', inputs: [], code: 'for (;;) {}' } }],
      edges: [],
    });
    assert.equal(doc.status, 'failed');
    const node = doc.nodes.find((n) => n.nodeId === 'spin')!;
    assert.equal(node.error?.type, 'SandboxError');
    assert.equal(node.error?.code, 'WF_SANDBOX_TIMEOUT');
    assert.match(node.error.message, /CPU time limit of 300 ms/);
  });

  it('validation rejects custom without code and unknown strategies before anything runs', async () => {
    const result = kernel.validator.validate({
      name: 'bad',
      nodes: [
        { id: 'c', type: 'aggregator', config: { strategy: 'custom' } },
        { id: 'd', type: 'aggregator', config: { strategy: 'median' } },
      ],
      edges: [],
    });
    assert.equal(result.ok, false);
    const paths = (result.ok ? [] : result.issues).map((i) => `${i.path}: ${i.message}`).join('\n');
    assert.match(paths, /nodes\[0\]\.config/);
    assert.match(paths, /nodes\[1\]\.config/);
  });
});
