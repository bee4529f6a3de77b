import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { postgresUrlOrSkip, sharedPostgresDatabase, stopSharedPostgres } from '../support/postgres-server';
import { callApi, exitOf, startServe, startWeft, weftEnv } from '../support/weft-process';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';
import { EXECUTION_QUEUE } from '../../runtime/queue/pg-boss-queue';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-wake-atomic-admin-key-0123456789abcdef';

/**
 * Queue mode: the wake of a due timer sends the execution's job in the transaction that records
 * the wake. The process that wakes it SIGKILLs itself between the two (`TEST_WEFT_CRASH_AT`):
 * afterwards the execution is still `waiting` with its timer row and no job was queued for it,
 * so processes started later wake it (once) and a worker finishes it.
 */
describe('e2e: waking in queue mode is atomic (killed between the wake and its job)', function () {
  this.timeout(180_000);
  const children: ChildProcess[] = [];
  const dirs: ReturnType<typeof makeTempDir>[] = [];

  before(async function () {
    await postgresUrlOrSkip(this);
  });

  after(() => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    for (const d of dirs) d.remove();
  });

  async function wakeKilledAt(point: string): Promise<void> {
    const db = await sharedPostgresDatabase();
    assert.ok('url' in db);
    const tmp = makeTempDir();
    dirs.push(tmp);
    const base = {
      DATABASE_URL: db.url,
      WEFT_DATA_DIR: tmp.dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      WEFT_SHUTDOWN_DEADLINE_MS: '300',
    };
    // both processes poll waits; whichever wakes the execution dies at the crash point
    const crashing = weftEnv({ ...base, TEST_WEFT_CRASH_AT: point });
    const serve = await startServe(crashing);
    children.push(serve.child);
    const worker = await startWeft(['worker', '--concurrency', '1'], crashing, /weft worker started/);
    children.push(worker.child);
    const call = (url: string, method: string, p: string, body?: unknown) => callApi(url, ADMIN_KEY, method, p, body);
    const created = await call(serve.url, 'POST', '/api/v1/workflows', {
      name: 'wake-atomic',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 300 } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } },
      ],
      edges: [{ from: 'w', to: 'after' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await call(serve.url, 'POST', `/api/v1/workflows/${created.body.id}/execute`, { wait: true });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'waiting');
    const id: string = run.body.id;

    // the timer comes due: the process that wakes it is killed inside the wake's transaction
    await Promise.race([exitOf(serve.child), exitOf(worker.child)]);
    for (const c of [serve.child, worker.child]) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    await Promise.all([exitOf(serve.child), exitOf(worker.child)]);

    const p = await openPersistence(loadConfig({ DATABASE_URL: db.url, WEFT_DATA_DIR: tmp.dir }), undefined, { heartbeatMs: 0 });
    try {
      const knex = p.executionStore.knex;
      const row = await knex('workflow_execution').where({ id }).first('status', 'owner');
      assert.deepEqual({ ...row }, { status: 'waiting', owner: null });
      const waits = await knex('weft_wait').where({ execution_id: id }).select('node_id', 'kind');
      assert.deepEqual(
        waits.map((w) => ({ ...w })),
        [{ node_id: 'w', kind: 'timer' }],
      );
      const queued = await knex.raw(
        "select count(*)::int as n from pgboss.job where name = ? and data->>'executionId' = ? and state <> 'completed'",
        [EXECUTION_QUEUE, id],
      );
      assert.equal(queued.rows[0].n, 0, 'no job for the execution survived the killed wake');
    } finally {
      await p.close();
    }

    // processes started afterwards wake it and a worker finishes it; the wake queued one job
    const env = weftEnv(base);
    const serve2 = await startServe(env);
    children.push(serve2.child);
    const worker2 = await startWeft(['worker', '--concurrency', '1'], env, /weft worker started/);
    children.push(worker2.child);
    const doc = await waitFor(
      async () => {
        const d = (await call(serve2.url, 'GET', `/api/v1/executions/${id}`)).body;
        return d.status === 'succeeded' ? d : undefined;
      },
      'the woken execution to succeed',
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      doc.nodes.map((n: any) => [n.nodeId, n.status]),
      [
        ['w', 'succeeded'],
        ['after', 'succeeded'],
      ],
    );
    const p2 = await openPersistence(loadConfig({ DATABASE_URL: db.url, WEFT_DATA_DIR: tmp.dir }), undefined, { heartbeatMs: 0 });
    try {
      const jobs = await p2.executionStore.knex.raw(
        "select count(*)::int as n from pgboss.job where name = ? and data->>'executionId' = ?",
        [EXECUTION_QUEUE, id],
      );
      assert.equal(jobs.rows[0].n, 2, 'the first run and one wake');
    } finally {
      await p2.close();
    }
    for (const c of [serve2.child, worker2.child]) {
      c.kill('SIGTERM');
      await exitOf(c);
    }
  }

  it('killed after the wake is recorded, before its job is sent: still waiting, no job; a later process wakes it once', async () => {
    await wakeKilledAt('after-wake-update');
  });

  it('killed after the job is sent, before the commit: still waiting, no job; a later process wakes it once', async () => {
    await wakeKilledAt('after-wake-send');
  });
});
