import { join } from 'node:path';
import type { Knex } from '@mikro-orm/knex';
import { Kernel } from '../core/kernel/kernel';
import { definePlugin } from '../core/plugin/plugin';
import { defineNodeType } from '../core/plugin/node-type';
import type { WorkflowDefinition } from '../core/model/workflow-definition';
import { loadConfig, type WeftConfig } from '../runtime/config/weft-config';
import { openPersistence, persistenceBindings, type Persistence } from '../runtime/persistence/persistence';
import type { SqliteSynchronous } from '../runtime/persistence/orm-options';
import { postgresUnavailableReason, startPostgres, type PostgresServer } from '../test/support/postgres-server';
import { makeTempDir } from '../test/support/sqlite-temp';
import { fmt, median, percentile, report } from './bench-stats';

const CHAIN = 2000;
const SEED_ROWS = 1_000_000;
const PAGE = 50;

const noopPlugin = definePlugin({
  id: 'bench.noop',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(defineNodeType({ type: 'noop', configSchema: { type: 'object' }, create: () => ({ execute: async () => null }) }));
  },
});

function chain(n: number): WorkflowDefinition {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return {
    name: `chain-${n}`,
    nodes: ids.map((id) => ({ id, type: 'noop' })),
    edges: ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id })),
  };
}

/** µs per node of one run of the chain through a kernel. */
async function perNodeUs(kernel: Kernel, def: WorkflowDefinition): Promise<number> {
  const t = process.hrtime.bigint();
  const doc = await kernel.executor.run(def);
  if (doc.status !== 'succeeded') throw new Error(`chain ended ${doc.status}`);
  return Number(process.hrtime.bigint() - t) / 1000 / def.nodes.length;
}

/** µs/node of `runs` runs (after one warm-up run of `warmup`), with `between` run before each. */
async function chainRuns(
  p: Persistence | null,
  def: WorkflowDefinition,
  runs: number,
  warmup = def,
  between?: () => Promise<void>,
): Promise<number[]> {
  const kernel = Kernel.create({ plugins: [noopPlugin], services: p ? persistenceBindings(p) : [] });
  try {
    await perNodeUs(kernel, warmup);
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      await between?.();
      out.push(await perNodeUs(kernel, def));
    }
    return out;
  } finally {
    await kernel.stop();
  }
}

/** Median latency (µs) of one single-row autocommit insert, through the same driver. */
async function singleInsertUs(knex: Knex, count: number): Promise<number> {
  await knex.raw('create table if not exists bench_insert (id int primary key, v text not null)');
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await knex.raw('insert into bench_insert (id, v) values (?, ?)', [i, 'x']);
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await knex.raw('drop table bench_insert');
  return median(out);
}

/** Seeds `rows` finished executions with one set-based insert: half in `wf_big`, the rest over 50 workflows. */
async function seed(p: Persistence, rows: number): Promise<number> {
  const knex = p.executionStore.knex;
  const t = Date.now();
  const base = Date.parse('2025-01-01T00:00:00Z');
  const cols =
    'id, workflow_id, workflow_version, status, triggered_by, inputs, outputs, error, idempotency_key, started_at, finished_at, duration_ms, owner, heartbeat_at, definition';
  const status = "case x % 10 when 0 then 'failed' when 1 then 'cancelled' when 2 then 'partially_succeeded' else 'succeeded' end";
  if (p.dialect === 'sqlite') {
    await knex.raw(
      `insert into workflow_execution (${cols})
       with recursive seq(x) as (select 0 union all select x + 1 from seq where x < ? - 1)
       select printf('%08x-%04x-7000-8000-%012x', (? + x) / 65536, (? + x) % 65536, x),
              case when x % 2 = 0 then 'wf_big' else 'wf_' || (x % 100) end, 1, ${status}, 'api', '{"n":1}', '{"ok":true}', null, null,
              ? + x * 60000, ? + x * 60000 + 5, 5, null, null, null
       from seq`,
      [rows, base, base, base, base],
    );
    await knex.raw('analyze');
  } else {
    await knex.raw(
      `insert into workflow_execution (${cols})
       select lpad(to_hex((?::bigint + x) / 65536), 8, '0') || '-' || lpad(to_hex((?::bigint + x) % 65536), 4, '0') || '-7000-8000-' || lpad(to_hex(x), 12, '0'),
              case when x % 2 = 0 then 'wf_big' else 'wf_' || (x % 100) end, 1, ${status}, 'api', '{"n":1}', '{"ok":true}', null, null,
              ?::bigint + x * 60000, ?::bigint + x * 60000 + 5, 5, null, null, null
       from generate_series(0, ?::bigint - 1) as x`,
      [base, base, base, base, rows],
    );
    await knex.raw('analyze workflow_execution');
  }
  return (Date.now() - t) / 1000;
}

/** List-query latencies (ms) over the seeded table: first pages, deep keyset walks, filters. */
async function listLatencies(p: Persistence): Promise<Record<string, number[]>> {
  const store = p.executionStore;
  const time = async (fn: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const walk = async (q: Parameters<typeof store.listExecutions>[0], pages: number) => {
    const out: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < pages; i++) {
      let page!: Awaited<ReturnType<typeof store.listExecutions>>;
      out.push(await time(async () => (page = await store.listExecutions({ ...q, cursor }))));
      if (page.items.length !== Math.min(PAGE, q.limit)) throw new Error('short page');
      cursor = page.nextCursor ?? undefined;
    }
    return out;
  };
  const first: number[] = [];
  for (let i = 0; i < 200; i++) first.push(await time(() => store.listExecutions({ workflowId: 'wf_big', limit: PAGE })));
  const small: number[] = [];
  for (let i = 0; i < 200; i++) small.push(await time(() => store.listExecutions({ workflowId: `wf_${1 + 2 * (i % 50)}`, limit: PAGE })));
  const mid = new Date(Date.parse('2025-01-01T00:00:00Z') + SEED_ROWS * 30_000);
  return {
    'first page, 500k-row workflow': first,
    'first page, 10k-row workflows': small,
    'keyset walk, 200 pages deep': await walk({ workflowId: 'wf_big', limit: PAGE }, 200),
    'status=failed walk': await walk({ workflowId: 'wf_big', status: ['failed'], limit: PAGE }, 200),
    'status=failed,cancelled walk': await walk({ workflowId: 'wf_big', status: ['failed', 'cancelled'], limit: PAGE }, 200),
    'from/to (one week) walk': await walk(
      { workflowId: 'wf_big', from: mid.toISOString(), to: new Date(mid.getTime() + 7 * 86_400_000).toISOString(), limit: PAGE },
      50,
    ),
  };
}

function printLatencies(dialect: string, lat: Record<string, number[]>): void {
  const all: number[] = [];
  for (const [name, values] of Object.entries(lat)) {
    all.push(...values);
    report(`${dialect} list ${name}`, `p50 ${fmt(median(values))} ms, p99 ${fmt(percentile(values, 99))} ms`);
  }
  const p99 = percentile(all, 99);
  report(`${dialect} list p99 over all ${all.length} queries (1M rows)`, `${fmt(p99)} ms`, '<= 10 ms', p99 <= 10);
}

async function open(config: WeftConfig, synchronous: SqliteSynchronous = 'normal'): Promise<Persistence> {
  return openPersistence(config, undefined, { sqliteSynchronous: synchronous, heartbeatMs: 0 });
}

/**
 * Persistence benchmark: engine overhead per node on a 2,000-node chain of no-op nodes with the
 * in-memory store, SQLite (WAL, synchronous NORMAL and FULL) and PostgreSQL (against one
 * single-row autocommit insert on the same server), and list-query latency on 1M executions.
 */
export async function run(): Promise<void> {
  console.log('\n## persistence: per-node overhead (2,000-node chain of no-op nodes) and list queries on 1M executions');
  const def = chain(CHAIN);
  const tmp = makeTempDir('weft-bench-');
  let pg: PostgresServer | null = null;
  try {
    const memRuns = await chainRuns(null, def, 7);
    const memory = median(memRuns);
    report('in-memory store, µs/node (median; best run)', `${fmt(memory, 1)}; ${fmt(Math.min(...memRuns), 1)}`);

    const sqlite = await open(loadConfig({ WEFT_DATA_DIR: join(tmp.dir, 'normal') }));
    const sqliteRuns = await chainRuns(sqlite, def, 7);
    const sqliteUs = median(sqliteRuns);
    report(
      'SQLite (WAL, synchronous=NORMAL), µs/node (median; best run)',
      `${fmt(sqliteUs, 1)}; ${fmt(Math.min(...sqliteRuns), 1)} (+${fmt(sqliteUs - memory, 1)} over memory)`,
      '<= 100 µs',
      sqliteUs <= 100,
    );
    const full = await open(loadConfig({ WEFT_DATA_DIR: join(tmp.dir, 'full') }), 'full');
    const fullUs = median(await chainRuns(full, chain(200), 3));
    report('SQLite (WAL, synchronous=FULL, 200-node chain), µs/node', fmt(fullUs, 1));
    report('SQLite single-row autocommit insert (FULL), µs', fmt(await singleInsertUs(full.executionStore.knex, 50), 1));
    await full.close();

    const seedS = await seed(sqlite, SEED_ROWS);
    report('SQLite seed of 1M executions, s', fmt(seedS, 1));
    printLatencies('SQLite', await listLatencies(sqlite));
    await sqlite.close();

    const why = postgresUnavailableReason();
    if (why) {
      console.log(`  PostgreSQL figures skipped: ${why}`);
      return;
    }
    pg = await startPostgres();
    const pgp = await open(loadConfig({ DATABASE_URL: pg.url }));
    // fsync latency drifts with the disk's other work: bracket each chain run with inserts
    const inserts: number[] = [];
    const knex = pgp.executionStore.knex;
    const pgRuns = await chainRuns(pgp, def, 3, chain(200), async () => void inserts.push(await singleInsertUs(knex, 100)));
    inserts.push(await singleInsertUs(knex, 100));
    const baselines = pgRuns.map((_, i) => (inserts[i]! + inserts[i + 1]!) / 2);
    const ratios = pgRuns.map((us, i) => (us - memory) / baselines[i]!);
    report('PostgreSQL single-row autocommit insert, µs', fmt(median(baselines), 1));
    report('PostgreSQL, µs/node', `${fmt(median(pgRuns), 1)} (+${fmt(median(pgRuns) - memory, 1)} over memory)`);
    const ratio = median(ratios);
    report('PostgreSQL persistence cost per node / one insert (2,000-node runs)', `${fmt(ratio)}x`, '<= 1.5x', ratio <= 1.5);
    // the disk's fsync latency drifts within seconds here: also alternate short blocks, 100 inserts
    // then a 100-node chain, ten times — each ratio compares moments a fraction of a second apart
    const block = chain(100);
    const blockRatios: number[] = [];
    const kernel = Kernel.create({ plugins: [noopPlugin], services: persistenceBindings(pgp) });
    for (let i = 0; i < 10; i++) {
      const ins = await singleInsertUs(knex, 100);
      blockRatios.push(((await perNodeUs(kernel, block)) - memory) / ins);
    }
    await kernel.stop();
    const blockRatio = median(blockRatios);
    report('PostgreSQL persistence cost per node / one insert (alternating)', `${fmt(blockRatio)}x`, '<= 1.5x', blockRatio <= 1.5);
    report('PostgreSQL seed of 1M executions, s', fmt(await seed(pgp, SEED_ROWS), 1));
    printLatencies('PostgreSQL', await listLatencies(pgp));
    await pgp.close();
  } finally {
    await pg?.stop();
    tmp.remove();
  }
}

if (require.main === module) void run();
