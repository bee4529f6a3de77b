import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startServe, weftEnv } from '../test/support/weft-process';
import { makeTempDir } from '../test/support/sqlite-temp';
import { fmt, median, percentile, report } from './bench-stats';

const WAITING = 10_000;
const TIMERS = 2_000;
const ADMIN_KEY = 'bench-waits-admin-key-0123456789abcdef';

/** Resident memory of a process, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** The median of a few RSS samples over about a second (RSS moves with GC). */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 9; i++) {
    samples.push(rssMb(pid));
    await new Promise((r) => setTimeout(r, 120));
  }
  return median(samples);
}

/**
 * A preload for the served process: on SIGUSR2 it runs two full collections and prints its
 * `process.memoryUsage()`, so the bench can tell memory the process holds (V8 heap after a
 * collection) from the high-water mark RSS keeps (freed heap pages and allocator arenas).
 */
const PROBE = `process.on('SIGUSR2', () => { globalThis.gc(); globalThis.gc(); process.stderr.write('weft-memory ' + JSON.stringify(process.memoryUsage()) + '\\n'); });`;

/** Heap used and RSS right after a full collection in the served process, in MB (see {@link PROBE}). */
async function collectedMb(pid: number, output: () => string): Promise<{ heap: number; rss: number }> {
  const seen = output().split('weft-memory ').length;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    const parts = output().split('weft-memory ');
    if (parts.length > seen) {
      const m = JSON.parse(parts[seen]!.split('\n')[0]!) as { heapUsed: number; rss: number };
      return { heap: m.heapUsed / 1048576, rss: m.rss / 1048576 };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the served process did not answer the memory probe');
}

async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * Durable waits in one `weft serve` process on SQLite: its resident memory with 10,000
 * executions parked on signals, above the same process idle (after a warm-up that ran the same
 * code paths): RSS, which keeps the high-water mark of starting them (freed heap pages, allocator
 * arenas), and the V8 heap after a full collection, which is what the process holds for them
 * (the target: a waiting execution is database rows, not memory); then the lateness of 2,000 timers due over a few seconds (firedAt − until).
 */
export async function run(): Promise<void> {
  console.log('\n## waits: 10,000 waiting executions in one weft serve (SQLite), timer lateness');
  const tmp = makeTempDir();
  let child: ChildProcess | null = null;
  try {
    const probe = path.join(tmp.dir, 'memory-probe.cjs');
    writeFileSync(probe, PROBE);
    const served = await startServe(
      weftEnv({ WEFT_DATA_DIR: tmp.dir, WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY, WEFT_RATE_LIMIT_PER_MINUTE: '100000000' }),
      60_000,
      ['--expose-gc', '--require', probe],
    );
    child = served.child;
    const pid = child.pid!;
    const call = async (method: string, p: string, body?: unknown): Promise<any> => {
      const res = await fetch(served.url + p, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const approvals = await call('POST', '/api/v1/workflows', {
      name: 'bench-approvals',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        { id: 'done', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.approve.output.payload }}' } },
      ],
      edges: [{ from: 'approve', to: 'done' }],
    });
    const waitingCount = async () => {
      let n = 0;
      let cursor: string | null = null;
      do {
        const page: any = await call(
          'GET',
          `/api/v1/workflows/${approvals.id}/executions?status=waiting&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return n;
    };
    const park = async (n: number) => {
      const ids: string[] = [];
      await inBatches(
        Array.from({ length: n }, (_, i) => i),
        32,
        async () => void ids.push((await call('POST', `/api/v1/workflows/${approvals.id}/execute`, {})).executionId),
      );
      while ((await waitingCount()) < n) await new Promise((r) => setTimeout(r, 200));
      return ids;
    };
    const release = async (ids: string[]) => {
      const t0 = Date.now();
      await inBatches(ids, 32, async (id) => void (await call('POST', `/api/v1/executions/${id}/signals/approve`, { payload: 1 })));
      while ((await waitingCount()) > 0) await new Promise((r) => setTimeout(r, 200));
      return Date.now() - t0;
    };

    // warm-up: the same paths (execute, park, signal, wake, finish) on 500 executions
    await release(await park(500));
    const idle = await settledRss(pid);
    const idleGc = await collectedMb(pid, served.output);
    const t0 = Date.now();
    const ids = await park(WAITING);
    const parkMs = Date.now() - t0;
    const loaded = await settledRss(pid);
    const loadedGc = await collectedMb(pid, served.output);
    const above = loaded - idle;
    report('RSS idle after warm-up', `${fmt(idle, 1)} MB`);
    report(`RSS with ${WAITING} executions waiting`, `${fmt(loaded, 1)} MB`);
    report(`RSS above idle with ${WAITING} waiting`, `${fmt(above, 1)} MB (${fmt((above * 1024 * 1024) / WAITING, 0)} B each)`);
    report(`RSS right after a full collection, idle → ${WAITING} waiting`, `${fmt(idleGc.rss, 1)} → ${fmt(loadedGc.rss, 1)} MB`);
    const held = loadedGc.heap - idleGc.heap;
    report(
      `V8 heap used after a full collection, idle → ${WAITING} waiting`,
      `${fmt(idleGc.heap, 1)} → ${fmt(loadedGc.heap, 1)} MB (${fmt((held * 1024 * 1024) / WAITING, 0)} B each)`,
      '< 500 B each',
      (held * 1024 * 1024) / WAITING < 500,
    );
    report(`time to start and park ${WAITING} (32 clients)`, `${fmt(parkMs / 1000, 1)} s`);
    const releaseMs = await release(ids);
    report(
      `time to signal ${WAITING} and see them all finish`,
      `${fmt(releaseMs / 1000, 1)} s (${fmt(WAITING / (releaseMs / 1000), 0)}/s)`,
    );

    // timer lateness: TIMERS timers due over ~4 s, starting 3 s from now
    const timers = await call('POST', '/api/v1/workflows', {
      name: 'bench-timers',
      nodes: [{ id: 't', type: 'wait', config: { until: '{{ inputs.at }}' } }],
    });
    const base = Date.now() + 6_000;
    const started: Array<{ id: string; at: number }> = [];
    await inBatches(
      Array.from({ length: TIMERS }, (_, i) => i),
      32,
      async (i) => {
        const at = base + i * 2;
        const r = await call('POST', `/api/v1/workflows/${timers.id}/execute`, { inputs: { at: new Date(at).toISOString() } });
        started.push({ id: r.executionId, at });
      },
    );
    const late: number[] = [];
    const tooSlowToStart = started.length && Date.now() > base ? ' (some were started after they were due)' : '';
    await inBatches(started, 16, async ({ id, at }) => {
      for (;;) {
        const doc = await call('GET', `/api/v1/executions/${id}`);
        if (doc.status === 'succeeded') {
          late.push(Date.parse(doc.nodes[0].output.firedAt) - Math.max(at, Date.parse(doc.nodes[0].startedAt)));
          return;
        }
        if (doc.status !== 'waiting' && doc.status !== 'running') throw new Error(`timer execution ended ${doc.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    report(`timer lateness, median of ${TIMERS}`, `${fmt(median(late), 0)} ms${tooSlowToStart}`);
    const p99 = percentile(late, 99);
    report(`timer lateness p99 of ${TIMERS}`, `${fmt(p99, 0)} ms (max ${fmt(Math.max(...late), 0)} ms)`, '≤ 1000 ms', p99 <= 1000);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    tmp.remove();
  }
}
