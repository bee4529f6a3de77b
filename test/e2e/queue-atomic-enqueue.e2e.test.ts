import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence, type Persistence } from '../../runtime/persistence/persistence';
import { EXECUTION_QUEUE } from '../../runtime/queue/pg-boss-queue';
import { postgresUrlOrSkip, sharedPostgresDatabase, stopSharedPostgres } from '../support/postgres-server';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-atomic-admin-key-0123456789abcdef';

/**
 * The job of a queued execution is inserted by the transaction that inserts its row. `weft serve`
 * (queue mode) SIGKILLs itself between the two (`TEST_WEFT_CRASH_AT`): afterwards the database
 * holds neither, never one without the other; without the crash it holds both.
 */
describe('e2e: enqueueing is atomic (weft serve killed between the row and the job)', function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const opened: Persistence[] = [];

  before(async function () {
    await postgresUrlOrSkip(this);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    for (const p of opened) await p.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Starts `weft serve` on a fresh database, creates a workflow, asks it to execute; returns the database's executions and jobs. */
  async function executeWith(
    crashAt: string | null,
  ): Promise<{ executions: string[]; jobs: string[]; status: number | 'connection lost'; exit: number | null }> {
    const db = await sharedPostgresDatabase();
    assert.ok('url' in db);
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-atomic-'));
    dirs.push(dir);
    const env = weftEnv({
      DATABASE_URL: db.url,
      WEFT_DATA_DIR: dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      ...(crashAt ? { TEST_WEFT_CRASH_AT: crashAt } : {}),
    });
    const serve = await startServe(env);
    children.push(serve.child);
    const wf = await callApi(serve.url, ADMIN_KEY, 'POST', '/api/v1/workflows', {
      name: 'atomic',
      nodes: [{ id: 'a', type: 'tool', config: { tool: 'core.echo', input: 1 } }],
      edges: [],
    });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    let status: number | 'connection lost';
    try {
      status = (await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf.body.id}/execute`, {})).status;
    } catch {
      status = 'connection lost';
    }
    if (crashAt) await exitOf(serve.child);
    const p = await openPersistence(loadConfig({ DATABASE_URL: db.url, WEFT_DATA_DIR: dir }));
    opened.push(p);
    const executions = (await p.executionStore.knex('workflow_execution').select('id')).map((r) => String(r.id));
    const jobs = (await p.executionStore.knex.raw('select id::text as id from pgboss.job where name = ?', [EXECUTION_QUEUE])).rows.map(
      (r: { id: string }) => r.id,
    );
    return { executions, jobs, status, exit: serve.child.exitCode };
  }

  it('killed after the row is inserted, before the job is sent: neither exists', async () => {
    const r = await executeWith('after-execution-insert');
    assert.equal(r.status, 'connection lost');
    assert.deepEqual([r.executions, r.jobs], [[], []]);
  });

  it('killed after the job is sent, before the commit: neither exists', async () => {
    const r = await executeWith('after-job-send');
    assert.equal(r.status, 'connection lost');
    assert.deepEqual([r.executions, r.jobs], [[], []]);
  });

  it('not killed: both exist, the job named by the execution id', async () => {
    const r = await executeWith(null);
    assert.equal(r.status, 202);
    assert.equal(r.executions.length, 1);
    assert.deepEqual(r.jobs, r.executions);
  });
});
