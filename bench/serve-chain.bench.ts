import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { callApi, startServe, weftEnv, type WeftProcess } from '../test/support/weft-process';
import { fmt, median, percentile, report } from './bench-stats';
import { sqliteCommitFloorMicros } from './sqlite-commit-floor';

const ADMIN_KEY = 'weft_serve_chain_bench_admin_key_000000000000';
const SHORT = 10;
const LONG = 1_000;
/**
 * Measured pairs. This 2-core VM has phases of a second or so where everything runs 30–60%
 * slower; 15 pairs (~1.5 s of chains) keep one such phase from moving the median, and the
 * quartiles and the mean show how much the runs spread.
 */
const RUNS = Number(process.env.SERVE_CHAIN_RUNS ?? 15);
/**
 * Warm-up pairs before measuring: V8 keeps optimising (and re-optimising after deopts) the node
 * path for about 10,000 nodes; with 2 pairs the measured runs still paid for that compilation
 * (on this 2-core machine, ~200 µs/node in the first runs against ~80 once settled).
 */
const WARMUP = Number(process.env.SERVE_CHAIN_WARMUP ?? 10);

/** A chain of `n` `core.echo` nodes, each echoing its upstream's output. */
function chain(n: number): object {
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    type: 'tool',
    config: { tool: 'core.echo', input: i === 0 ? { i: 0 } : `{{ nodes.n${i - 1}.output }}` },
  }));
  const edges = nodes.slice(1).map((_, i) => ({ from: `n${i}`, to: `n${i + 1}` }));
  return { name: `chain-${n}`, nodes, edges };
}

/** CPU time the hypervisor gave to other guests so far (all cores, ms; /proc/stat `steal`): this VM's noise. */
function stolenMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(cpu[8] ?? 0) * 10;
}

/** The server's CPU time so far (user + system, µs), from /proc: the process is another one. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name)
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
}

/**
 * The durable node cost on the product path: a real `weft serve` on SQLite runs 10-node and
 * 1,000-node `core.echo` chains with `wait: true`; the cost of a node is the difference of the
 * two executions' durations (from their documents) over the 990 extra nodes, so HTTP, start and
 * end of an execution cancel out. Every node's finish is committed before its downstream starts.
 */
export async function run(): Promise<void> {
  console.log('\n## serve-chain: durable node cost through `weft serve` on SQLite (chains of core.echo, wait: true)');
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-serve-chain-bench-'));
  let serve: (WeftProcess & { url: string }) | undefined;
  try {
    serve = await startServe(
      weftEnv({
        WEFT_DATA_DIR: dir,
        WEFT_PORT: '0',
        WEFT_ADMIN_KEY: ADMIN_KEY,
        WEFT_LOG_LEVEL: 'warn',
        WEFT_RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
      }),
      undefined,
      // SERVE_CHAIN_CPU_PROF=<dir>: the server writes a CPU profile there when it exits;
      // SERVE_CHAIN_NODE_ARGS: more flags for the server's node (space-separated)
      [
        ...(process.env.SERVE_CHAIN_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SERVE_CHAIN_CPU_PROF}`] : []),
        ...(process.env.SERVE_CHAIN_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
    );
    const pid = serve.child.pid!;
    const ids: Record<number, string> = {};
    for (const n of [SHORT, LONG]) {
      const r = await callApi(serve.url, ADMIN_KEY, 'POST', '/api/v1/workflows', chain(n));
      if (r.status !== 201) throw new Error(`creating chain-${n}: ${r.status} ${JSON.stringify(r.body)}`);
      ids[n] = r.body.id;
    }
    const execute = async (n: number): Promise<{ ms: number; cpuUs: number }> => {
      const cpu0 = cpuMicros(pid);
      const r = await callApi(serve!.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${ids[n]}/execute`, { wait: true });
      const cpuUs = cpuMicros(pid) - cpu0;
      if (r.status !== 200 || r.body.status !== 'succeeded')
        throw new Error(`chain-${n}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      if (r.body.nodes.length !== n) throw new Error(`chain-${n}: ${r.body.nodes.length} nodes in the document`);
      return { ms: Date.parse(r.body.finishedAt) - Date.parse(r.body.startedAt), cpuUs };
    };
    // warm-up: JIT, SQLite page cache, prepared statements
    for (let i = 0; i < WARMUP; i++) {
      await execute(SHORT);
      await execute(LONG);
    }
    const perNode: number[] = [];
    const cpuPerNode: number[] = [];
    let cpuLong = 0;
    let cpuShort = 0;
    const floorBefore = sqliteCommitFloorMicros();
    const stolen0 = stolenMs();
    const wall0 = Date.now();
    for (let i = 0; i < RUNS; i++) {
      const short = await execute(SHORT);
      const long = await execute(LONG);
      perNode.push(((long.ms - short.ms) * 1000) / (LONG - SHORT));
      cpuPerNode.push((long.cpuUs - short.cpuUs) / (LONG - SHORT));
      cpuLong += long.cpuUs;
      cpuShort += short.cpuUs;
    }
    const us = median(perNode);
    report(
      `µs per durable node (${LONG} vs ${SHORT} nodes, ${RUNS} runs after ${WARMUP} warm-up pairs)`,
      `${fmt(us, 1)} µs (runs: ${perNode.map((v) => fmt(v, 0)).join(', ')})`,
      '≤ 40 µs',
      us <= 40,
    );
    report(
      '  quartiles and mean of the runs',
      `p25 ${fmt(percentile(perNode, 25), 1)}, p75 ${fmt(percentile(perNode, 75), 1)}, mean ${fmt(perNode.reduce((a, b) => a + b, 0) / RUNS, 1)} µs`,
    );
    // /proc counts CPU in 10 ms ticks, ~10 µs per node of one run: the mean over all runs is finer
    report(
      '  server CPU per node (user + system, /proc)',
      `${fmt((cpuLong - cpuShort) / (RUNS * (LONG - SHORT)), 1)} µs mean (median of runs ${fmt(median(cpuPerNode), 1)} µs, in 10 µs steps)`,
    );
    report('  load average (1 min) at the end', fmt(loadavg()[0] ?? NaN, 2));
    const floor = (floorBefore + sqliteCommitFloorMicros()) / 2;
    report(
      '  an SQLite commit alone, the same minute (before and after)',
      `${fmt(floor, 1)} µs: the node costs ${fmt(us / floor, 2)} commits (this machine's quiet floor is ~15 µs)`,
    );
    // steal: the host ran other guests on this VM's cores; the same code then measures slower
    const stolen = ((stolenMs() - stolen0) / ((Date.now() - wall0) * cpus().length)) * 100;
    report('  CPU stolen by the host during the measured runs', `${fmt(stolen, 1)} % of the cores' time`);
  } finally {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await new Promise((r) => serve!.child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
