import assert from 'node:assert/strict';
import { aggregatorPlugin } from '../../../plugins/aggregator/index';
import { bind, type Kernel } from '../../../core/kernel/kernel';
import { DEFAULT_KERNEL_SETTINGS } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import { ErrorCodes } from '../../../core/errors/error-codes';
import { CancelledError, NodeExecutionError, SandboxError, ValidationError } from '../../../core/errors/weft-error';
import type { NodeExecutor } from '../../../core/plugin/node-type';
import type { WorkerPool } from '../../../core/services/worker-pool';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { PiscinaWorkerPool } from '../../../runtime/worker-pool/piscina-worker-pool';
import { startTestKernel } from '../../support/test-kernel';
import { aggregatorContext } from './aggregator-test-context';

/** The real piscina pool, wrapped to count what the aggregator sends it and which threads answered. */
class SpyWorkerPool implements WorkerPool {
  calls: Array<{ filename: string; name: string }> = [];
  constructor(readonly inner: PiscinaWorkerPool) {}
  run<T>(filename: string, name: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    this.calls.push({ filename, name });
    return this.inner.run<T>(filename, name, payload, signal);
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

describe('aggregator node type', function () {
  let kernel: Kernel;
  let spy: SpyWorkerPool;
  let aggregator: NodeExecutor;
  const exec = (config: object, ctx = aggregatorContext()) => aggregator.execute(config, ctx);

  before(() => {
    spy = new SpyWorkerPool(new PiscinaWorkerPool({ size: 2 }));
    kernel = startTestKernel({
      plugins: [aggregatorPlugin],
      services: [
        bind(
          Tokens.Sandbox,
          () => new IsolatedVmSandbox({ defaults: { cpuMs: 500, wallMs: 1000, memoryMb: 64, outputBytes: 1 << 20 }, poolSize: 1 }),
        ),
        bind(Tokens.WorkerPool, () => spy),
        bind(Tokens.KernelSettings, () => ({ ...DEFAULT_KERNEL_SETTINGS, aggregateWorkerThreshold: 1_000 })),
      ],
    });
    aggregator = kernel.get(Tokens.NodeTypeRegistry).get('aggregator').executor;
  });
  after(() => kernel.stop());
  beforeEach(() => {
    spy.calls = [];
  });

  it('registers as plugin weft.aggregator with a sandboxed, templated node type', () => {
    const entry = kernel.get(Tokens.NodeTypeRegistry).get('aggregator');
    assert.equal(entry.pluginId, 'weft.aggregator');
    assert.equal(entry.definition.sandboxed, true);
    assert.deepEqual(entry.definition.templateFields, ['inputs']);
  });

  it('defaults inputs to the upstream outputs, in edge order', async () => {
    const ctx = aggregatorContext({
      upstream: [
        { nodeId: 'a', output: [1, 2] },
        { nodeId: 'b', output: 3 },
      ],
    });
    assert.equal(await exec({ strategy: 'sum' }, ctx), 6);
    assert.deepEqual(await exec({ strategy: 'concat' }, ctx), [1, 2, 3]);
    assert.equal(await exec({ strategy: 'count' }, ctx), 3);
  });

  it('every strategy over explicit inputs', async () => {
    const rows = [[{ amount: 2 }, { amount: 4 }], { amount: 9 }];
    assert.equal(await exec({ strategy: 'sum', inputs: rows, field: 'amount' }), 15);
    assert.equal(await exec({ strategy: 'avg', inputs: rows, field: 'amount' }), 5);
    assert.equal(await exec({ strategy: 'min', inputs: rows, field: 'amount' }), 2);
    assert.equal(await exec({ strategy: 'max', inputs: rows, field: 'amount' }), 9);
    assert.equal(await exec({ strategy: 'count', inputs: [[1, 'a', null], { x: 1 }] }), 4);
    assert.deepEqual(await exec({ strategy: 'merge', inputs: [{ a: { b: 1 } }, { a: { c: 2 } }] }), { a: { b: 1, c: 2 } });
    assert.deepEqual(await exec({ strategy: 'concat', inputs: [[1], [2, 3], 4] }), [1, 2, 3, 4]);
    assert.equal(spy.calls.length, 0, 'small inputs stay on the main thread');
  });

  it('fails on non-numeric values and on empty avg/min/max with NodeExecutionError', async () => {
    await assert.rejects(
      exec({ strategy: 'sum', inputs: [[1, 2, 'three']] }),
      (e: unknown) => e instanceof NodeExecutionError && /inputs\[0\]\[2\] is not a number \(got string "three"\)/.test(e.message),
    );
    await assert.rejects(
      exec({ strategy: 'avg', inputs: [] }),
      (e: unknown) => e instanceof NodeExecutionError && /no values/.test(e.message),
    );
    await assert.rejects(exec({ strategy: 'min', inputs: [[]] }), /no values/);
  });

  it('merge resists prototype pollution', async () => {
    const out = (await exec({
      strategy: 'merge',
      inputs: [JSON.parse('{"__proto__":{"polluted":1},"a":1}'), JSON.parse('{"constructor":{"prototype":{"polluted":1}}}')],
    })) as object;
    assert.deepEqual(out, { a: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses inputs that are not a list and configs that break the rules', async () => {
    await assert.rejects(exec({ strategy: 'sum', inputs: 'not a list' }), /config\.inputs must be a list \(got string\)/);
    await assert.rejects(
      exec({ strategy: 'custom' }),
      (e: unknown) => e instanceof ValidationError && e.code === ErrorCodes.WF_CONFIG_INVALID && /needs code/.test(e.message),
    );
    assert.deepEqual(
      aggregator.validate!({ strategy: 'count', field: 'x' }).map((i) => i.path),
      ['config.field'],
    );
    assert.deepEqual(
      aggregator.validate!({ strategy: 'sum', code: 'return 1' }).map((i) => i.path),
      ['config.code'],
    );
    assert.deepEqual(aggregator.validate!({ strategy: 'custom', code: 'return 1' }), []);
  });

  it('custom runs its code in the sandbox with inputs and read-only variables', async () => {
    const ctx = aggregatorContext({ scope: { ...aggregatorContext().scope, variables: { factor: 10 } } });
    const config = {
      strategy: 'custom',
      inputs: [[1, 2], [3]],
      code: 'return inputs.flat().reduce((a, b) => a + b, 0) * variables.factor',
    };
    assert.equal(await exec(config, ctx), 60);
    await assert.rejects(
      exec({ strategy: 'custom', inputs: [], code: '"use strict"; variables.factor = 1' }, ctx),
      (e: unknown) => e instanceof SandboxError && /read only/.test(e.message),
    );
    await assert.rejects(
      exec({ strategy: 'custom', inputs: [], code: 'for (;;) {}' }),
      (e: unknown) => e instanceof SandboxError && e.code === ErrorCodes.WF_SANDBOX_TIMEOUT,
    );
    await assert.rejects(
      exec({ strategy: 'custom', inputs: [], code: 'for (;;) {}' }, aggregatorContext({ limits: { cpuMs: 20 } })),
      (e: unknown) => e instanceof SandboxError && /20 ms/.test(e.message),
    );
  });

  it('numeric strategies over more values than the threshold run in the worker pool, chunk by chunk', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ amount: i % 7 }));
    const expected = rows.reduce((a, r) => a + r.amount, 0);
    assert.equal(await exec({ strategy: 'sum', inputs: [rows], field: 'amount' }), expected);
    assert.ok(spy.calls.length >= 2, `pool calls: ${spy.calls.length}`);
    assert.ok(spy.calls.every((c) => c.name === 'aggregate' && c.filename.endsWith('aggregate.worker.js')));
    // piscina's own counters: the chunks were completed by its worker threads.
    assert.ok(spy.inner.stats().completed >= spy.calls.length);
    // Same answers as the main thread (the node's own threshold keeps it there).
    for (const strategy of ['sum', 'avg', 'min', 'max']) {
      spy.calls = [];
      const pooled = await exec({ strategy, inputs: [rows], field: 'amount' });
      assert.ok(spy.calls.length > 0);
      spy.calls = [];
      const local = await exec({ strategy, inputs: [rows], field: 'amount', workerThreshold: 1_000_000 });
      assert.equal(spy.calls.length, 0);
      assert.equal(pooled, local, strategy);
    }
  });

  it('a non-numeric value deep in a pooled aggregation fails naming the first offender', async () => {
    const values: unknown[] = Array.from({ length: 30_000 }, (_, i) => i);
    values[28_000] = 'late';
    values[20_123] = { not: 'a number' };
    await assert.rejects(exec({ strategy: 'sum', inputs: [values] }), (e: unknown) => {
      assert.ok(e instanceof NodeExecutionError, String(e));
      assert.match(e.message, /inputs\[0\]\[20123\] is not a number \(got object \{"not":"a number"\}\)/);
      return true;
    });
    assert.ok(spy.calls.length >= 1);
  });

  it('a cancelled pooled aggregation ends with the signal’s error', async () => {
    const controller = new AbortController();
    controller.abort(new CancelledError('execution cancelled'));
    const rows = Array.from({ length: 5_000 }, () => 1);
    await assert.rejects(exec({ strategy: 'sum', inputs: [rows] }, aggregatorContext({ signal: controller.signal })), CancelledError);
  });
});
