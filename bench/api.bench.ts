import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { Tokens } from '../core/index';
import { loadConfig } from '../runtime/config/weft-config';
import { buildRuntime } from '../runtime/composition/build-runtime';
import { createApp } from '../api/create-app';
import { listenApp } from '../api/listen-app';
import { koaRequestListener } from '../api/koa-request-listener';
import { fmt, median, report } from './bench-stats';
import { pacedLoad, type PacedLoadResult } from './paced-load';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

const CONNECTIONS = 20;

/** Load runs in a worker thread so the server keeps the main thread to itself. */
function load(opts: Record<string, unknown>): Promise<AutocannonResult> {
  return autocannon({ connections: CONNECTIONS, workers: 1, ...opts });
}

/**
 * The REST API under load on loopback (autocannon): `POST /workflows/:id/execute` of a one-node
 * `core.echo` workflow with executions persisted in SQLite, against a bare Koa hello-world of
 * the same run; then `GET /executions/:id` latency at half the execute throughput.
 */
export async function run(): Promise<void> {
  console.log('\n## api: REST API on SQLite (autocannon, loopback, load in a worker thread)');
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-api-bench-'));
  const bare = await bareKoa();
  const config = loadConfig({
    WEFT_DATA_DIR: dir,
    WEFT_LOG_LEVEL: 'silent',
    WEFT_RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
  });
  const runtime = await buildRuntime(config);
  const weft = createApp({ kernel: runtime.kernel, config, logger: runtime.logger });
  const server = await listenApp(weft, 0, '127.0.0.1');
  try {
    const keys = runtime.kernel.get(Tokens.ApiKeyStore);
    const key = (await keys.create('operator', { name: 'bench' })).key;
    const admin = (await keys.create('admin', { name: 'bench-admin' })).key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${server.url}/api/v1/workflows`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        name: 'bench-echo',
        nodes: [{ id: 'echo', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } }],
      }),
    });
    const { id: workflowId } = (await created.json()) as { id: string };
    const executeUrl = `${server.url}/api/v1/workflows/${workflowId}/execute`;

    // warm up both servers (JIT, SQLite page cache, prepared statements)
    await load({ url: bare.url, duration: 1 });
    await load({ url: executeUrl, method: 'POST', headers, body: '{}', duration: 2 });

    const bareRuns: number[] = [];
    const execRuns: AutocannonResult[] = [];
    for (let i = 0; i < 2; i++) {
      bareRuns.push((await load({ url: bare.url, duration: 4 })).requests.average);
      execRuns.push(await load({ url: executeUrl, method: 'POST', headers, body: '{}', duration: 8 }));
    }
    const bareRps = median(bareRuns);
    const execRps = median(execRuns.map((r) => r.requests.average));
    const rejected = execRuns.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    // let queued executions finish before measuring reads
    await waitIdle(runtime.kernel.executor);

    report('bare Koa hello-world', `${fmt(bareRps, 0)} req/s`);
    report('POST /workflows/:id/execute (202, SQLite)', `${fmt(execRps, 0)} req/s`, '≥ 3000 req/s', execRps >= 3000);
    report('  execute / bare Koa', fmt(execRps / bareRps, 3), '≥ 0.1', execRps / bareRps >= 0.1);
    report(
      '  execute p50 / p99 latency',
      `${fmt(median(execRuns.map((r) => r.latency.p50)), 1)} / ${fmt(median(execRuns.map((r) => r.latency.p99)), 1)} ms`,
    );
    report('  non-2xx, errors and timeouts', String(rejected), '0', rejected === 0);

    const page = (await (await fetch(`${server.url}/api/v1/workflows/${workflowId}/executions?limit=1`, { headers })).json()) as {
      items: Array<{ id: string }>;
    };
    const executionId = page.items[0]!.id;
    const rate = Math.max(100, Math.floor(execRps / 2));
    const readUrl = `${server.url}/api/v1/executions/${executionId}`;
    // open-loop, evenly paced load from another process: latency at the rate, not in bursts
    // three paced runs each (the first second of each is warm-up); medians of their percentiles
    const baselines: PacedLoadResult[] = [];
    const readRuns: PacedLoadResult[] = [];
    const stalls: number[] = [];
    for (let i = 0; i < 3; i++) {
      baselines.push(await pacedLoad({ url: bare.url, rate, durationS: 4, connections: CONNECTIONS }));
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      readRuns.push(await pacedLoad({ url: readUrl, headers, rate, durationS: 6, connections: CONNECTIONS }));
      loop.disable();
      stalls.push(loop.max / 1e6);
    }
    const med = (runs: PacedLoadResult[], k: 'p50' | 'p99' | 'p999' | 'max') => median(runs.map((r) => r[k]));
    const p99 = med(readRuns, 'p99');
    report(`bare Koa at ${rate} req/s (paced): p50 / p99`, `${fmt(med(baselines, 'p50'), 2)} / ${fmt(med(baselines, 'p99'), 2)} ms`);
    report(`GET /executions/:id at ${rate} req/s (paced): p50`, `${fmt(med(readRuns, 'p50'), 2)} ms`);
    report(
      `GET /executions/:id at ${rate} req/s (paced): p99`,
      `${fmt(p99, 2)} ms (runs: ${readRuns.map((r) => fmt(r.p99, 1)).join(', ')})`,
      '≤ 5 ms',
      p99 <= 5,
    );
    report('  p99.9 / max', `${fmt(med(readRuns, 'p999'), 2)} / ${fmt(med(readRuns, 'max'), 2)} ms`);
    report('  longest server event-loop stall per run', `${stalls.map((s) => fmt(s, 1)).join(', ')} ms`);
    const reads = {
      achieved: median(readRuns.map((r) => r.achieved)),
      non2xx: readRuns.reduce((n, r) => n + r.non2xx, 0),
      errors: readRuns.reduce((n, r) => n + r.errors, 0),
    };
    report(
      '  achieved rate, non-2xx, errors',
      `${fmt(reads.achieved, 0)} req/s, ${reads.non2xx}, ${reads.errors}`,
      '0 non-2xx',
      reads.non2xx + reads.errors === 0,
    );
    // autocannon's own rate option, for comparison: it sends each second's quota in a burst
    const burst = await load({ url: readUrl, headers, duration: 5, overallRate: rate });
    report(
      `GET /executions/:id, autocannon overallRate ${rate}: p50 / p99`,
      `${fmt(burst.latency.p50, 1)} / ${fmt(burst.latency.p99, 1)} ms (bursts)`,
    );
  } finally {
    await server.close(1_000);
    await bare.close();
    await runtime.kernel.executor.drain(5_000);
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitIdle(executor: { activeCount: number }): Promise<void> {
  for (let i = 0; i < 600 && executor.activeCount > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

async function bareKoa(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    ctx.body = { hello: 'world' };
  });
  const server = createServer(koaRequestListener(app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) void run();
