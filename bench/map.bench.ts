import { join } from 'node:path';
import { startTestKernel } from '../test/support/test-kernel';
import { createTestPlugin } from '../test/support/test-plugin';
import { makeTempDir } from '../test/support/sqlite-temp';
import { toolPlugin } from '../plugins/tool/index';
import { mapPlugin } from '../plugins/map/index';
import { loadConfig } from '../runtime/config/weft-config';
import { openPersistence, persistenceBindings } from '../runtime/persistence/persistence';
import type { Kernel } from '../core/kernel/kernel';
import type { WorkflowDefinition } from '../core/model/workflow-definition';
import { fmt, median, repeat, report } from './bench-stats';

const N = 10_000;
const echoNode = (id: string) => ({ id, type: 'tool', config: { tool: 'core.echo', input: { n: id } } });
const ECHO = { type: 'tool', config: { tool: 'core.echo', input: { n: '{{ item }}' } } };
const NOOP = { type: 'noop', config: { input: '{{ item }}' } };
const mapDef = (concurrency: number, node: object = ECHO): WorkflowDefinition => ({
  name: 'map-bench',
  nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', concurrency, node } }],
});

/** Median µs per chain node and per map item, the two runs taking turns so neither inherits the other's warm caches or garbage. */
async function perNodeAndItem(
  kernel: Kernel,
  chain: WorkflowDefinition,
  map: WorkflowDefinition,
  list: number[],
): Promise<[number, number]> {
  const chainRuns: number[] = [];
  const mapRuns: number[] = [];
  for (let i = 0; i < 9; i++) {
    const c = await timeRun(kernel, chain);
    const m = await timeRun(kernel, map, { list });
    if (i >= 2) {
      chainRuns.push(c / N);
      mapRuns.push(m / N);
    }
  }
  return [median(chainRuns), median(mapRuns)];
}

async function timeRun(kernel: Kernel, def: WorkflowDefinition, inputs: Record<string, unknown> = {}): Promise<number> {
  const t = process.hrtime.bigint();
  const doc = await kernel.executor.run(def, { inputs });
  if (doc.status !== 'succeeded') throw new Error(`bench run ${doc.status}: ${JSON.stringify(doc.error ?? doc.nodes[0]?.error)}`);
  return Number(process.hrtime.bigint() - t) / 1e3;
}

const gc = () => (global as { gc?: () => void }).gc?.();
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

/** Per-item engine overhead of `map` (in memory, against a chain node in the same run; on SQLite) and the memory of 100k items. */
export async function run(): Promise<void> {
  console.log('\n## map: fan-out over items of core.echo');
  const list = Array.from({ length: N }, (_, i) => i);
  const memory = startTestKernel({ plugins: [toolPlugin, mapPlugin, createTestPlugin()] });
  const big = Array.from({ length: 100_000 }, (_, i) => i);
  gc();
  const before = process.memoryUsage();
  const t = process.hrtime.bigint();
  const doc = await memory.executor.run(mapDef(100), { inputs: { list: big } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (doc.status !== 'succeeded') throw new Error(`100k map ${doc.status}`);
  const outputBytes = Buffer.byteLength(JSON.stringify(doc.nodes[0]!.output));
  gc();
  const after = process.memoryUsage();
  report('100k items: time', `${fmt(ms, 0)} ms (${fmt((ms * 1000) / 100_000)} µs per item)`);
  report('100k items: RSS growth (first run in this process, document held)', mb(after.rss - before.rss));
  report(
    '100k items: heap growth kept after the run (document held)',
    `${mb(after.heapUsed - before.heapUsed)} (output JSON ${mb(outputBytes)})`,
  );
  const chainOf = (make: (id: string) => object): WorkflowDefinition => {
    const nodes = Array.from({ length: N }, (_, i) => make(`n${i}`)) as WorkflowDefinition['nodes'];
    return { name: 'chain', nodes, edges: nodes.slice(1).map((n, i) => ({ from: `n${i}`, to: n.id })) };
  };
  const def = mapDef(10);
  const [chainUs, itemUs] = await perNodeAndItem(memory, chainOf(echoNode), def, list);
  report('per chain node (core.echo, 10k chain, in memory)', `${fmt(chainUs)} µs`);
  report('per map item (core.echo, 10k items, concurrency 10, in memory)', `${fmt(itemUs)} µs`);
  report('map item / chain node ratio (core.echo)', `${fmt(itemUs / chainUs)}×`, '≤ 2×', itemUs / chainUs <= 2);
  const [bareChain, bareItem] = await perNodeAndItem(
    memory,
    chainOf((id) => ({ id, type: 'noop' })),
    mapDef(10, NOOP),
    list,
  );
  report('engine only (no-op node): per chain node / per map item', `${fmt(bareChain)} µs / ${fmt(bareItem)} µs`);
  report('map item / chain node ratio (no-op node)', `${fmt(bareItem / bareChain)}×`, '≤ 2×', bareItem / bareChain <= 2);

  const tmp = makeTempDir('weft-map-bench-');
  const p = await openPersistence(loadConfig({ WEFT_DATA_DIR: join(tmp.dir, 'data') }), undefined, { heartbeatMs: 0 });
  const sqlite = startTestKernel({ plugins: [toolPlugin, mapPlugin], services: persistenceBindings(p) });
  try {
    const sqliteUs = median(await repeat(7, () => timeRun(sqlite, def, { list }), 2)) / N;
    report(
      'per map item on SQLite (item records batched, 10k items)',
      `${fmt(sqliteUs)} µs (+${fmt(sqliteUs - itemUs)} over memory)`,
      '≤ 30 µs',
      sqliteUs <= 30,
    );
    const wide = median(await repeat(5, () => timeRun(sqlite, mapDef(100), { list }), 1)) / N;
    report('per map item on SQLite, concurrency 100', `${fmt(wide)} µs`);
  } finally {
    await sqlite.stop();
    await p.close();
    tmp.remove();
  }

  await memory.stop();
}
