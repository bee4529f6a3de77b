import { IsolatedVmSandbox } from '../runtime/sandbox/isolated-vm-sandbox';
import { loadIsolatedVm } from '../runtime/sandbox/isolated-vm-loader';
import { DEFAULT_SANDBOX_LIMITS } from '../core/services/sandbox';
import { fmt, median, report } from './bench-stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const MAP_CODE = 'return input.map((row) => ({ id: row.id, total: row.price * row.qty, tag: row.name.toUpperCase() }))';
const mapPlain = (input: Array<{ id: number; price: number; qty: number; name: string }>) =>
  input.map((row) => ({ id: row.id, total: row.price * row.qty, tag: row.name.toUpperCase() }));

/**
 * Sandbox costs: per-run overhead of a warm pool (a fresh context each run), throughput of a
 * 1,000-item map against the same function in plain JS with the same JSON copying, cold start.
 */
export async function run(): Promise<void> {
  // The isolated-vm line differs by Node version (5.x on 20, 6.x on 22 and 24): say which one ran.
  console.log(`\n## sandbox (isolated-vm ${loadIsolatedVm().version})`);

  // Cold start: the first run on a brand-new sandbox (isolate + context + compile).
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const sb = new IsolatedVmSandbox({ defaults: DEFAULT_SANDBOX_LIMITS, poolSize: 2 });
    const t = nowMs();
    await sb.run({ code: 'return 1', args: {} });
    cold.push(nowMs() - t);
    await sb.dispose();
  }
  report('cold start (first run on a new sandbox)', `${fmt(median(cold))} ms`);

  const sandbox = new IsolatedVmSandbox({ defaults: DEFAULT_SANDBOX_LIMITS, poolSize: 2 });
  try {
    await sandbox.warmUp();
    const args = { input: { a: 1 }, variables: { v: 1 } };
    for (let i = 0; i < 20; i++) await sandbox.run({ code: 'return input', args });

    // Runs spaced like workflow nodes: the next fresh context is ready when the run starts.
    const spaced: number[] = [];
    for (let i = 0; i < 300; i++) {
      await sleep(3);
      const t = nowMs();
      await sandbox.run({ code: 'return input', args });
      spaced.push(nowMs() - t);
    }
    const plain: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = nowMs();
      JSON.parse(JSON.stringify(((a: typeof args) => a.input)(JSON.parse(JSON.stringify(args)))));
      plain.push(nowMs() - t);
    }
    const overhead = median(spaced) - median(plain);
    report('per-run overhead, warm pool, fresh context (300 runs)', `${fmt(overhead, 3)} ms`, '≤ 0.5 ms', overhead <= 0.5);
    // Back to back, every run also waits for its context to be made (about 1 ms of isolate time).
    const b2b: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = nowMs();
      await sandbox.run({ code: 'return input', args });
      b2b.push(nowMs() - t);
    }
    report('per-run latency, back-to-back runs (300 runs)', `${fmt(median(b2b), 3)} ms`);

    // N-item map: sandbox vs the same function in plain JS with the same JSON copies, interleaved.
    // Each run starts from the same state (a pause, which also lets the next fresh context be
    // made), and the two take turns going first, so neither inherits the other's warm caches.
    const compare = async (n: number, rounds: number) => {
      const items = Array.from({ length: n }, (_, i) => ({ id: i, price: i * 0.5, qty: i % 7, name: `item-${i}` }));
      const sbTimes: number[] = [];
      const jsTimes: number[] = [];
      const timeSandbox = async () => {
        await sleep(3);
        const t = nowMs();
        await sandbox.run({ code: MAP_CODE, args: { input: items } });
        sbTimes.push(nowMs() - t);
      };
      const timePlain = async () => {
        await sleep(3);
        const t = nowMs();
        JSON.parse(JSON.stringify(mapPlain(JSON.parse(JSON.stringify({ input: items })).input)));
        jsTimes.push(nowMs() - t);
      };
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          await timeSandbox();
          await timePlain();
        } else {
          await timePlain();
          await timeSandbox();
        }
      }
      return { sbRate: n / (median(sbTimes) / 1000), jsRate: n / (median(jsTimes) / 1000), sbMs: median(sbTimes), jsMs: median(jsTimes) };
    };
    const k1 = await compare(1000, 100);
    report('1,000-item map in the sandbox', `${fmt(k1.sbRate / 1000, 0)}k items/s (${fmt(k1.sbMs, 3)} ms per run)`);
    report('1,000-item map in plain JS (same JSON copying)', `${fmt(k1.jsRate / 1000, 0)}k items/s (${fmt(k1.jsMs, 3)} ms per run)`);
    report('sandbox / plain JS throughput, 1,000 items', `${fmt(k1.sbRate / k1.jsRate)}×`, '≥ 0.7×', k1.sbRate / k1.jsRate >= 0.7);
    const k10 = await compare(10_000, 30);
    report('sandbox / plain JS throughput, 10,000 items', `${fmt(k10.sbRate / k10.jsRate)}×`);
    const s = sandbox.stats();
    console.log(
      `  (runs ${s.runs}, isolates created ${s.isolatesCreated}, contexts ${s.contextsCreated}, context ready at start ${s.preparedHits})`,
    );
  } finally {
    await sandbox.dispose();
  }
}
