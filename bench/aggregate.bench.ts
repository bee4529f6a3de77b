import { monitorEventLoopDelay } from 'node:perf_hooks';
import { aggregatorNodeType } from '../plugins/aggregator/aggregator.node-type';
import { DEFAULT_KERNEL_SETTINGS } from '../core/kernel/kernel';
import { nodeRunContext } from '../test/support/node-run-context';
import type { NodeRunContext } from '../core/plugin/node-type';
import type { Sandbox } from '../core/services/sandbox';
import { PiscinaWorkerPool } from '../runtime/worker-pool/piscina-worker-pool';
import { fmt, median, report } from './bench-stats';

const ROWS = 1_000_000;

function context(): NodeRunContext {
  return nodeRunContext({ executionId: 'bench', workflowId: 'bench', nodeId: 'sum' });
}

/** Event-loop delay p99 of this process doing nothing: the machine's own noise floor. */
async function idleP99(): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await new Promise((r) => setTimeout(r, 300));
  histogram.disable();
  return histogram.percentile(99) / 1e6;
}

/**
 * `sum` with `field` over 1M rows: event-loop delay while it runs through the worker pool vs on
 * the main thread (the pool keeps the loop serving; the main thread blocks for the whole sum).
 */
export async function run(): Promise<void> {
  console.log('\n## aggregator: sum with field over 1M rows');
  const pool = new PiscinaWorkerPool({ size: 2 });
  const noSandbox = {} as Sandbox; // `sum` never reaches the sandbox
  const executor = aggregatorNodeType.create({ sandbox: noSandbox, pool, settings: DEFAULT_KERNEL_SETTINGS });
  const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i, amount: i % 100, label: 'row' }));
  const expected = rows.reduce((a, r) => a + r.amount, 0);

  /** One histogram over `times` sums, so p99 is a percentile and not just the worst sample. */
  const measure = async (workerThreshold: number, times = 5) => {
    // Start from a collected heap so a collection owed by earlier work does not land in this one.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 20));
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const durations: number[] = [];
    for (let i = 0; i < times; i++) {
      // A short idle gap between sums, as a server has; it also lets the monitor sample.
      await new Promise((r) => setTimeout(r, 10));
      const started = process.hrtime.bigint();
      const result = await executor.execute({ strategy: 'sum', field: 'amount', inputs: [rows], workerThreshold }, context());
      durations.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result !== expected) throw new Error(`sum was ${String(result)}, expected ${expected}`);
    }
    histogram.disable();
    return { ms: median(durations), p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
  };

  try {
    await measure(10_000, 1); // starts the threads and loads the worker module
    await measure(Number.MAX_SAFE_INTEGER, 1);
    const pooled = [];
    const local = [];
    for (let i = 0; i < 3; i++) {
      pooled.push(await measure(10_000));
      local.push(await measure(Number.MAX_SAFE_INTEGER));
    }
    const p99Pool = median(pooled.map((m) => m.p99));
    const p99Main = median(local.map((m) => m.p99));
    console.log(`  (each figure: median of 3 windows of 5 sums 10 ms apart; idle-loop baseline p99 ${fmt(await idleP99())} ms)`);
    console.log(`  ${''.padEnd(34)} ${'worker pool'.padStart(14)} ${'main thread'.padStart(14)}`);
    console.log(`  ${'event-loop delay p99'.padEnd(34)} ${`${fmt(p99Pool)} ms`.padStart(14)} ${`${fmt(p99Main)} ms`.padStart(14)}`);
    console.log(
      `  ${'event-loop delay max'.padEnd(34)} ${`${fmt(median(pooled.map((m) => m.max)))} ms`.padStart(14)} ${`${fmt(median(local.map((m) => m.max)))} ms`.padStart(14)}`,
    );
    console.log(
      `  ${'duration of the sum'.padEnd(34)} ${`${fmt(median(pooled.map((m) => m.ms)))} ms`.padStart(14)} ${`${fmt(median(local.map((m) => m.ms)))} ms`.padStart(14)}`,
    );
    report('event-loop delay p99 with the pool', `${fmt(p99Pool)} ms`, '≤ 10 ms', p99Pool <= 10);
  } finally {
    await pool.dispose();
  }
}
