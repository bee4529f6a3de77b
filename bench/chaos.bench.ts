import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postgresUnavailableReason, startPostgres, type PostgresServer } from '../test/support/postgres-server';
import { fmt, median, percentile, report } from './bench-stats';
import { ChaosCluster, SideEffectServer, TERMINAL, until, type Kill } from '../test/support/chaos-cluster';
import { chainWorkflow, fanOutWorkflow, mapWorkflow } from '../test/support/chaos-workflows';
import { FailoverTrace } from '../test/support/failover-trace';

/** `WEFT_CHAOS_SCALE=0.2` runs a fifth of the executions and kills (a quick look). */
const SCALE = Number(process.env.WEFT_CHAOS_SCALE ?? 1);
const scaled = (n: number) => Math.max(1, Math.round(n * SCALE));

/**
 * The chaos run of the queue mode: PostgreSQL, `weft serve` and workers as real processes. Prints
 * throughput with 1, 2 and 4 workers, then runs mixed workflows (chains, fan-outs, maps) through 3 workers while SIGKILLing
 * random workers and `weft serve`: executions succeeded, side effects repeated beyond those in
 * flight at a kill, and the time from each kill to the resumption of each execution it interrupted.
 */
export async function run(): Promise<void> {
  console.log('\nchaos (queue mode: PostgreSQL, weft serve, weft workers as processes, SIGKILLs)');
  const why = postgresUnavailableReason();
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const pg = await startPostgres();
  const sideEffects = new SideEffectServer();
  await sideEffects.start();
  try {
    if (!process.env.WEFT_CHAOS_ONLY || process.env.WEFT_CHAOS_ONLY === 'throughput') await throughput(pg, sideEffects);
    if (!process.env.WEFT_CHAOS_ONLY || process.env.WEFT_CHAOS_ONLY === 'failover') await failover(pg, sideEffects);
    if (!process.env.WEFT_CHAOS_ONLY || process.env.WEFT_CHAOS_ONLY === 'chaos') await chaos(pg, sideEffects);
  } finally {
    await sideEffects.stop();
    await pg.stop();
  }
}

async function withCluster<T>(pg: PostgresServer, name: string, workerArgs: string[], fn: (c: ChaosCluster) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-chaos-'));
  const cluster = new ChaosCluster(await pg.createDatabase(name), dir, workerArgs);
  try {
    await cluster.db.connect();
    await cluster.startServe();
    return await fn(cluster);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function createWorkflows(c: ChaosCluster, sideEffects: SideEffectServer, ms: number): Promise<string[]> {
  const ids: string[] = [];
  for (const def of [
    chainWorkflow(sideEffects.url, 5, ms),
    fanOutWorkflow(sideEffects.url, 4, ms),
    mapWorkflow(sideEffects.url, 8, ms, 4),
  ]) {
    const r = await c.call('POST', '/api/v1/workflows', def);
    if (r.status !== 201) throw new Error(`could not create a workflow: ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  return ids;
}

/** Submits one execution through the API, retrying while `weft serve` is down or restarting. */
async function submit(c: ChaosCluster, workflowId: string): Promise<string> {
  return until(
    async () => {
      try {
        const r = await c.call('POST', `/api/v1/workflows/${workflowId}/execute`, {});
        return r.status < 300 ? (r.body.executionId as string) : undefined;
      } catch {
        return undefined;
      }
    },
    'weft serve to accept an execution',
    60_000,
    200,
  );
}

async function allTerminal(c: ChaosCluster, ids: string[], ms: number): Promise<Map<string, { status: string }>> {
  return until(
    async () => {
      const s = await c.statuses();
      return ids.every((id) => TERMINAL.has(s.get(id)?.status ?? '')) ? s : undefined;
    },
    'every execution to end',
    ms,
    200,
  );
}

async function throughput(pg: PostgresServer, sideEffects: SideEffectServer): Promise<void> {
  const per: number[] = [];
  for (const n of [1, 2, 4]) {
    const rate = await withCluster(pg, `chaos_tp_${n}`, ['--concurrency', '8'], async (c) => {
      const [chain, fan] = await createWorkflows(c, sideEffects, 20);
      for (let i = 0; i < n; i++) await c.startWorker(i);
      const count = scaled(120);
      const t0 = Date.now();
      const ids = await Promise.all(Array.from({ length: count }, (_, i) => submit(c, i % 2 ? fan! : chain!)));
      await allTerminal(c, ids, 300_000);
      return count / ((Date.now() - t0) / 1000);
    });
    per.push(rate);
    report(`throughput with ${n} worker${n > 1 ? 's' : ''} (5-6 nodes of 20 ms calls, concurrency 8)`, `${fmt(rate, 1)} executions/s`);
  }
  report('scaling 1 → 2 → 4 workers', `${fmt(per[1]! / per[0]!)}x, ${fmt(per[2]! / per[0]!)}x`);
}

/** Kills the worker running one long execution, several times, and times each takeover. */
async function failover(pg: PostgresServer, sideEffects: SideEffectServer): Promise<void> {
  const times = await withCluster(pg, 'chaos_failover', ['--concurrency', '2'], async (c) => {
    const [chain] = await createWorkflows(c, sideEffects, 1500);
    await c.startWorker(0);
    await c.startWorker(1);
    const out: number[] = [];
    for (let k = 0; k < scaled(5); k++) {
      const id = await submit(c, chain!);
      const victim = await until(
        async () => {
          const owner = (await c.statuses()).get(id)?.owner;
          return owner ? (c.workers.find((w) => w && owner.includes(`:${w.pid}:`)) ?? undefined) : undefined;
        },
        'a worker to start the execution',
        30_000,
      );
      const at = await c.kill(victim);
      let last = '';
      const resumedAt = await until(
        async () => {
          if (process.env.WEFT_CHAOS_TRACE) last = await traceJob(c, id, at, last);
          const s = (await c.statuses()).get(id);
          return s && (TERMINAL.has(s.status) || (s.owner && !s.owner.includes(`:${victim.pid}:`))) ? Date.now() : undefined;
        },
        'the execution to resume',
        180_000,
      );
      out.push(resumedAt - at);
      await c.startWorker(c.workers.indexOf(victim));
    }
    return out;
  });
  report(
    `failover: SIGKILL to resumption, ${times.length} kills (median, max)`,
    `${fmt(median(times) / 1000, 1)} s, ${fmt(Math.max(...times) / 1000, 1)} s`,
    '≤ 10 s',
    Math.max(...times) <= 10_000,
  );
}

async function chaos(pg: PostgresServer, sideEffects: SideEffectServer): Promise<void> {
  await withCluster(pg, 'chaos_kills', ['--concurrency', '4'], async (c) => {
    const [chain, fan, map] = await createWorkflows(c, sideEffects, 250);
    for (let i = 0; i < 3; i++) await c.startWorker(i);
    const total = scaled(200);
    const workerKills = scaled(20);
    const serveKills = Math.min(2, workerKills);
    const firstCall = sideEffects.calls.length;
    const kills: Kill[] = [];
    const ids: string[] = [];
    const submitting = (async () => {
      for (let i = 0; i < total; i++) {
        ids.push(await submit(c, [chain!, fan!, map!][i % 3]!));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const traces: Promise<FailoverTrace>[] = [];
    for (let k = 0; k < workerKills; k++) {
      await new Promise((r) => setTimeout(r, 1500));
      if (k === Math.floor(workerKills / 3) || k === Math.floor((2 * workerKills) / 3)) {
        if (kills.filter((x) => x.serve).length < serveKills) {
          const pid = c.serve!.pid;
          kills.push({ at: await c.kill(c.serve!), pid, affected: [], resumed: new Map(), serve: true });
          await c.startServe();
        }
      }
      const slot = Math.floor(Math.random() * 3);
      const kill = await c.killWorker(slot);
      kills.push(kill);
      void c.watchResumption(kill);
      if (process.env.WEFT_CHAOS_TRACE) traces.push(traceFailover(c, kill));
      await c.startWorker(slot);
    }
    await submitting;
    const s = await allTerminal(c, ids, 600_000);
    const succeeded = ids.filter((id) => s.get(id)!.status === 'succeeded').length;
    report('executions succeeded / total', `${succeeded} / ${total}`, 'all', succeeded === total);
    report('kills', `${kills.length - serveKills} workers, ${serveKills} weft serve`);
    const repeats = unexplainedRepeats(
      sideEffects.calls.slice(firstCall),
      kills.filter((k) => !k.serve),
    );
    report(
      'node side effects repeated (all / beyond those in flight at a kill)',
      `${repeats.all} / ${repeats.unexplained}`,
      '0 beyond',
      repeats.unexplained === 0,
    );
    const delays: number[] = [];
    for (const k of kills) for (const at of k.resumed.values()) delays.push(at - k.at);
    const lost = kills.reduce((n, k) => n + k.affected.length, 0) - delays.length;
    if (delays.length) {
      const p99 = percentile(delays, 99);
      const max = Math.max(...delays);
      report(
        `kill → resumption of ${delays.length} interrupted executions (median, p99, max)`,
        `${fmt(median(delays) / 1000, 1)} s, ${fmt(p99 / 1000, 1)} s, ${fmt(max / 1000, 1)} s`,
        '≤ 10 s',
        max <= 10_000,
      );
    }
    if (lost) report('interrupted executions never seen resuming', String(lost), '0', false);
    if (traces.length) printTraces(await Promise.all(traces));
  });
}

/**
 * Side effects that ran more than once. A repeat is explained when a kill fell between the first
 * call's arrival and a second after its answer (the node was in flight, or its finish not yet
 * committed, when its process died); any other repeat is a bug.
 */
function unexplainedRepeats(
  calls: { key: string; arrivedAt: number; answeredAt: number | null }[],
  kills: Kill[],
): { all: number; unexplained: number } {
  const byKey = new Map<string, typeof calls>();
  for (const call of calls) byKey.set(call.key, [...(byKey.get(call.key) ?? []), call]);
  let all = 0;
  let unexplained = 0;
  for (const list of byKey.values()) {
    for (let i = 1; i < list.length; i++) {
      all++;
      const prev = list[i - 1]!;
      const until = (prev.answeredAt ?? list[i]!.arrivedAt) + 1000;
      if (!kills.some((k) => k.at >= prev.arrivedAt && k.at <= until)) unexplained++;
    }
  }
  return { all, unexplained };
}

/** `WEFT_CHAOS_TRACE=1`: prints each change of the execution's job and owner, in seconds after the kill. */
async function traceJob(c: ChaosCluster, id: string, killedAt: number, last: string): Promise<string> {
  const { rows } = await c.db.query(
    'select j.state, j.retry_count, extract(epoch from j.expire_in) as expire_s, round(extract(epoch from now() - j.started_on)::numeric, 1) as since_start, e.owner from pgboss.job j, workflow_execution e where j.id = $1 and e.id = $1::text',
    [id],
  );
  const r = rows[0];
  const line = r
    ? `job ${String(r.state)} (claim ${String(r.retry_count)}, expire_in ${String(r.expire_s)} s), owner ${String(r.owner).split(':')[1]}`
    : 'no job';
  if (line !== last)
    console.log(`    +${fmt((Date.now() - killedAt) / 1000, 1)} s: ${line}${r ? `, started ${String(r.since_start)} s ago` : ''}`);
  return line;
}

/** Follows where each interrupted execution's failover spends its time (`WEFT_CHAOS_TRACE=1`). */
async function traceFailover(c: ChaosCluster, kill: Kill): Promise<FailoverTrace> {
  const db = c.connection();
  await db.connect();
  try {
    const trace = new FailoverTrace(db);
    await trace.killed(kill.at, kill.affected);
    const end = Date.now() + 120_000;
    while (Date.now() < end && !(await trace.observe(kill.at, kill.pid))) await new Promise((r) => setTimeout(r, 50));
    return trace;
  } finally {
    await db.end();
  }
}

function printTraces(traces: FailoverTrace[]): void {
  const s = (v: number | null) => (v === null ? '   -' : fmt(v / 1000, 1).padStart(5));
  console.log('    kill → (s)  renewed  lapse  requeued  fetched  claimed   ahead  active');
  for (const t of traces)
    for (const x of t.all)
      console.log(
        `    ${x.executionId.slice(-8)}  ${s(x.lastRenewal)}  ${s(x.lapse)}  ${s(x.requeued)}    ${s(x.fetched)}   ${s(x.claimed)}   ${String(x.aheadAtRequeue ?? '-').padStart(5)}  ${String(x.activeAtRequeue ?? '-').padStart(5)}`,
      );
}
