import { spawn } from 'node:child_process';
import { definePlugin, defineNodeType } from '../core';
import { Kernel } from '../core/kernel/kernel';
import type { WorkflowDefinition } from '../core/model/workflow-definition';
import { loadConfig } from '../runtime/config/weft-config';
import { openPersistence, persistenceBindings } from '../runtime/persistence/persistence';
import { makeTempDir } from '../test/support/sqlite-temp';

export interface PayloadRunOptions {
  nodes: number;
  /** Length of the string each node outputs (ASCII: its JSON is this plus two quotes and a little). */
  bytesPerNode: number;
  /** `WEFT_INLINE_OUTPUT_BYTES` (a value above every output keeps them all inline: the comparison). */
  inlineOutputBytes?: number;
}

export interface PayloadRunFigures {
  /** Peak resident memory during the run above the collected baseline before it, in MB. */
  peakRssGrowthMb: number;
  /** Resident memory after the run and a collection, above that baseline, in MB. */
  afterRssGrowthMb: number;
  ms: number;
  status: string;
  /** Length of the execution document's JSON as the store reads it. */
  documentChars: number;
  /** What the last node read from its upstream output through a template (proves the loads). */
  lastSaw: unknown;
}

/** Node type `blob`: outputs `{ n, data }`, `data` a fresh string of `size` characters. */
const blobPlugin = definePlugin({
  id: 'bench.payloads',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(
      defineNodeType<{ n: number; size: number; previous?: unknown }>({
        type: 'blob',
        configSchema: {
          type: 'object',
          required: ['n', 'size'],
          properties: { n: { type: 'integer' }, size: { type: 'integer' }, previous: {} },
          additionalProperties: false,
        },
        templateFields: ['previous'],
        create: () => ({
          execute: async (config) => ({
            n: config.n,
            previous: config.previous ?? null,
            data: String.fromCharCode(97 + (config.n % 26)).repeat(config.size),
          }),
        }),
      }),
    );
  },
});

/** A chain n0 → n1 → …: each node outputs a big string and reads a field of its upstream's output through a template. */
function chain(nodes: number, size: number): WorkflowDefinition {
  const ids = Array.from({ length: nodes }, (_, i) => `n${i}`);
  return {
    name: 'payloads',
    nodes: ids.map((id, i) => ({ id, type: 'blob', config: { n: i, size, ...(i ? { previous: `{{ nodes.n${i - 1}.output.n }}` } : {}) } })),
    edges: ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id })),
    outputs: { last: `{{ nodes.n${nodes - 1}.output.previous }}` },
  };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * Runs one execution of {@link chain} on SQLite in this process and samples its resident memory
 * every few milliseconds. Needs `--expose-gc` for a meaningful baseline.
 */
export async function measurePayloadRun(options: PayloadRunOptions): Promise<PayloadRunFigures> {
  const tmp = makeTempDir('weft-payloads-');
  const env: Record<string, string> = { WEFT_DATA_DIR: tmp.dir, WEFT_MAX_OUTPUT_BYTES: String(options.bytesPerNode * 2) };
  if (options.inlineOutputBytes !== undefined) env.WEFT_INLINE_OUTPUT_BYTES = String(options.inlineOutputBytes);
  const persistence = await openPersistence(loadConfig(env), undefined, { heartbeatMs: 0 });
  const kernel = Kernel.create({ plugins: [blobPlugin], services: persistenceBindings(persistence) });
  try {
    const definition = chain(options.nodes, options.bytesPerNode);
    // warm-up: the same code paths with small outputs, so their code and caches are not counted
    await (
      await kernel.executor.start(chain(3, 16), { workflowId: 'warm', workflowVersion: 1, inputs: {}, trigger: 'api' })
    ).done;
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
    const started = process.hrtime.bigint();
    const handle = await kernel.executor.start(definition, { workflowId: 'payloads', workflowVersion: 1, inputs: {}, trigger: 'api' });
    const doc = await handle.done;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const stored = await persistence.executionStore.getExecution(handle.executionId);
    peak = Math.max(peak, process.memoryUsage.rss());
    clearInterval(sampler);
    const documentChars = JSON.stringify(stored).length;
    const lastSaw = doc.outputs?.last;
    gc();
    const after = process.memoryUsage.rss();
    return {
      peakRssGrowthMb: (peak - baseline) / 1048576,
      afterRssGrowthMb: (after - baseline) / 1048576,
      ms,
      status: doc.status,
      documentChars,
      lastSaw,
    };
  } finally {
    await kernel.stop();
    await persistence.close();
    tmp.remove();
  }
}

/**
 * Runs {@link measurePayloadRun} in a fresh node process (`--expose-gc`), so nothing else this
 * process holds is counted, and resolves with its figures. `maxOldSpaceMb` caps the child's V8
 * heap: garbage is then collected before it piles up (without a cap, when V8 collects the copies
 * of finished outputs varies between Node lines), and a run that keeps its outputs in memory dies
 * of heap exhaustion instead of growing (rejected with an error whose message says so).
 */
export function measureInChild(options: PayloadRunOptions, maxOldSpaceMb?: number): Promise<PayloadRunFigures> {
  const script = `require(${JSON.stringify(__filename)}).measurePayloadRun(${JSON.stringify(options)}).then((f) => process.stdout.write(JSON.stringify(f)), (e) => { console.error(e); process.exit(1); })`;
  const flags = ['--expose-gc', '--no-node-snapshot', ...(maxOldSpaceMb ? [`--max-old-space-size=${maxOldSpaceMb}`] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || !out) {
        const heap = /heap out of memory|heap limit/i.test(err) ? 'JavaScript heap out of memory; ' : '';
        return reject(new Error(`payload run ended (${signal ?? `exit ${code}`}): ${heap}${err.slice(0, 2000)}`));
      }
      resolve(JSON.parse(out) as PayloadRunFigures);
    });
  });
}
