import { ExprEvalEngine } from '../runtime/expressions/expr-eval-engine';
import { filterTransform } from '../plugins/adapter/filter.transform';
import { silentLogger } from '../core/services/logger';
import type { NodeRunContext } from '../core/plugin/node-type';
import type { Sandbox } from '../core/services/sandbox';
import { fmt, median, report } from './bench-stats';

const RUNS = 7;
const RUN_MS = 300;

/** A scope the size of a real execution's: a few upstream outputs, one of them large. */
function scope(): Record<string, unknown> {
  return {
    variables: { threshold: 100, region: 'eu', allowed: ['eu', 'us', 'apac'] },
    inputs: {},
    nodes: {
      fetch: { output: { status: 200, body: { total: 150, currency: 'EUR', items: Array.from({ length: 200 }, (_, i) => ({ i })) } } },
      other: { output: { big: Array.from({ length: 5_000 }, (_, i) => ({ id: i, label: `row ${i}` })) } },
    },
    execution: { id: 'bench', startedAt: '2026-01-01T00:00:00.000Z' },
  };
}

const CONDITIONS: Array<[string, string]> = [
  ['simple', 'nodes.fetch.output.body.total > variables.threshold'],
  [
    'compound',
    'nodes.fetch.output.status == 200 and (variables.region in variables.allowed) and lower(nodes.fetch.output.body.currency) == "eur"',
  ],
  ['arithmetic', 'round(nodes.fetch.output.body.total * 1.2 - length(nodes.fetch.output.body.items)) % 7 != 3 or max(1, 2, 3) > 2'],
];

/** Evaluations per second: calls `fn` in batches for RUN_MS, RUNS times (after a warm-up); median. */
function opsPerSecond(fn: () => unknown): number {
  const once = () => {
    let n = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(RUN_MS) * 1_000_000n;
    let elapsed = 0n;
    while (elapsed < budget) {
      for (let i = 0; i < 200; i++) fn();
      n += 200;
      elapsed = process.hrtime.bigint() - start;
    }
    return n / (Number(elapsed) / 1e9);
  };
  once();
  return median(Array.from({ length: RUNS }, once));
}

function context(): NodeRunContext {
  const s = scope() as unknown as NodeRunContext['scope'];
  return {
    executionId: 'bench',
    workflowId: 'bench',
    nodeId: 'filter',
    attempt: 1,
    signal: new AbortController().signal,
    logger: silentLogger,
    scope: s,
    upstream: [],
    emitToken() {},
    progress() {},
  };
}

/**
 * Condition evaluations per second with the parse cache (the engine's normal path) and without
 * it (parse on every call), plus a 100k-row `filter` adapter run (compiled once, evaluated per row).
 */
export async function run(): Promise<void> {
  console.log('\n## expressions: condition evaluations per second (median of 7 × 300 ms)');
  const engine = new ExprEvalEngine();
  const data = scope();
  for (const [label, source] of CONDITIONS) {
    if (engine.evaluateBoolean(source, data) !== true) throw new Error(`${label} should be true`);
    const cached = opsPerSecond(() => engine.evaluateBoolean(source, data));
    const uncached = opsPerSecond(() => engine.compileUncached(source).evaluate(data));
    report(`${label}: evaluateBoolean, cached parse`, `${Math.round(cached).toLocaleString('en-US')} /s`);
    report(`${label}: parse + evaluate every call (no cache)`, `${Math.round(uncached).toLocaleString('en-US')} /s`);
    report(`${label}: cached / uncached`, `${fmt(cached / uncached, 1)}×`);
  }

  const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: i, qty: i % 50, region: i % 3 === 0 ? 'eu' : 'us' }));
  const ctx = context();
  const deps = { expressions: engine, sandbox: {} as Sandbox };
  const fail = (m: string): never => {
    throw new Error(m);
  };
  const times: number[] = [];
  let kept = 0;
  for (let r = 0; r < 6; r++) {
    const start = process.hrtime.bigint();
    const out = filterTransform.run(rows, {
      config: { transform: 'filter', where: 'qty >= variables.threshold / 10 and region == variables.region' },
      ctx,
      deps,
      fail,
    }) as unknown[];
    if (r > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    kept = out.length;
  }
  const ms = median(times);
  report(
    'filter adapter: 100k rows, compiled once (ms)',
    `${fmt(ms, 1)} ms  (${Math.round(100_000 / (ms / 1000)).toLocaleString('en-US')} rows/s, kept ${kept})`,
  );
}
