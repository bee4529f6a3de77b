import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { postgresUrlOrSkip, stopSharedPostgres } from '../support/postgres-server';
import { callApi, exitOf, startServe, startWeft, weftEnv } from '../support/weft-process';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-queue-wait-admin-key-0123456789abcdef';

/**
 * Queue mode with real processes: `weft serve` (API, `WEFT_EXECUTION_MODE=queue`) and a
 * `weft worker` on one PostgreSQL. A waiting execution leaves the worker (its job completes);
 * a signal and then a timer wake it into the queue, and a worker finishes it.
 */
describe('e2e: wait nodes in queue mode (weft serve + weft worker)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir> | null = null;
  let url = '';
  let databaseUrl = '';
  const children: ChildProcess[] = [];

  before(async function () {
    databaseUrl = await postgresUrlOrSkip(this);
    tmp = makeTempDir();
    const env = weftEnv({
      DATABASE_URL: databaseUrl,
      WEFT_DATA_DIR: tmp.dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      WEFT_SHUTDOWN_DEADLINE_MS: '300',
    });
    const serve = await startServe(env);
    children.push(serve.child);
    url = serve.url;
    const worker = await startWeft(['worker', '--concurrency', '2'], env, /weft worker started/);
    children.push(worker.child);
  });

  after(() => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    tmp?.remove();
  });

  const call = (method: string, p: string, body?: unknown) => callApi(url, ADMIN_KEY, method, p, body);

  it('parks in the worker (job completed), wakes on a signal and a timer, and finishes in a worker', async () => {
    const created = await call('POST', '/api/v1/workflows', {
      name: 'queued-approval',
      nodes: [
        { id: 'prepare', type: 'tool', config: { tool: 'core.echo', input: { n: 1 } } },
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        { id: 'cool', type: 'wait', config: { durationMs: 300 } },
        { id: 'ship', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.approve.output.payload }}' } },
      ],
      edges: [
        { from: 'prepare', to: 'approve' },
        { from: 'approve', to: 'cool' },
        { from: 'cool', to: 'ship' },
      ],
      outputs: { shipped: '{{ nodes.ship.output }}' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // `wait: true` answers at the first `waiting`, though a worker runs it
    const run = await call('POST', `/api/v1/workflows/${created.body.id}/execute`, { wait: true });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'waiting');
    const id: string = run.body.id;
    assert.deepEqual(
      run.body.nodes.map((n: any) => [n.nodeId, n.status]),
      [
        ['prepare', 'succeeded'],
        ['approve', 'waiting'],
      ],
    );

    // the worker let go of it: its job is complete while the execution waits
    const p = await openPersistence(loadConfig({ DATABASE_URL: databaseUrl, WEFT_DATA_DIR: tmp!.dir }), undefined, { heartbeatMs: 0 });
    try {
      await waitFor(
        async () => {
          const r = await p.executionStore.knex.raw("select state from pgboss.job where name = 'weft-executions' and id = ?", [id]);
          return r.rows[0]?.state === 'completed' ? true : undefined;
        },
        "the worker to complete the waiting execution's job",
        { timeoutMs: 30_000 },
      );
      const row = await p.executionStore.knex('workflow_execution').where({ id }).first('status', 'owner');
      assert.deepEqual({ ...row }, { status: 'waiting', owner: null });
    } finally {
      await p.close();
    }

    const signal = await call('POST', `/api/v1/executions/${id}/signals/approve`, { payload: { by: 'ops' } });
    assert.equal(signal.status, 202, JSON.stringify(signal.body));
    const doc = await waitFor(
      async () => {
        const d = (await call('GET', `/api/v1/executions/${id}`)).body;
        return d.status === 'succeeded' ? d : undefined;
      },
      'the execution to succeed',
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(doc.outputs, { shipped: { by: 'ops' } });
    assert.deepEqual(
      doc.nodes.map((n: any) => [n.nodeId, n.status]),
      [
        ['prepare', 'succeeded'],
        ['approve', 'succeeded'],
        ['cool', 'succeeded'],
        ['ship', 'succeeded'],
      ],
    );
    assert.equal((await call('POST', `/api/v1/executions/${id}/signals/approve`, {})).status, 409);
    for (const c of children.splice(0)) {
      c.kill('SIGTERM');
      assert.equal(await exitOf(c), 0);
    }
  });
});
