import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChaosCluster, SideEffectServer, TERMINAL, until, type Kill } from '../support/chaos-cluster';
import { chainWorkflow, fanOutWorkflow, mapWorkflow } from '../support/chaos-workflows';
import { postgresUrlOrSkip, sharedPostgresDatabase, stopSharedPostgres } from '../support/postgres-server';

after(stopSharedPostgres);

/**
 * The chaos run, bounded (`npm run bench -- chaos` is the full one, with timings): `weft serve`
 * in queue mode and 3 workers as processes, 20 executions of chains, fan-outs and maps, 3 SIGKILLs of
 * random workers (each restarted), with the default lease and lapse check. A third of the
 * executions are a `map` over 6 items: its finished items are recorded durably, so a kill repeats
 * only the items in flight.
 */
describe('e2e: chaos in queue mode (3 workers, worker SIGKILLs mid-run)', function () {
  this.timeout(300_000);
  let cluster: ChaosCluster | null = null;
  const sideEffects = new SideEffectServer();
  let dir = '';

  before(async function () {
    await postgresUrlOrSkip(this);
  });

  after(async () => {
    await cluster?.stop();
    await sideEffects.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every execution succeeds, every interrupted one is resumed elsewhere, and only interrupted ones repeat a side effect', async () => {
    const db = await sharedPostgresDatabase();
    assert.ok('url' in db);
    dir = mkdtempSync(path.join(tmpdir(), 'weft-chaos-'));
    await sideEffects.start();
    const c = (cluster = new ChaosCluster(db.url, dir, ['--concurrency', '3']));
    await c.db.connect();
    await c.startServe();
    const workflowIds: string[] = [];
    for (const def of [
      chainWorkflow(sideEffects.url, 4, 500),
      fanOutWorkflow(sideEffects.url, 3, 500),
      mapWorkflow(sideEffects.url, 6, 400, 2),
    ]) {
      const r = await c.call('POST', '/api/v1/workflows', def);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      workflowIds.push(r.body.id);
    }
    for (let i = 0; i < 3; i++) await c.startWorker(i);

    const ids: string[] = [];
    const kills: Kill[] = [];
    const watching: Promise<void>[] = [];
    for (let k = 0; k < 3; k++) {
      // a wave of executions, then a kill while it runs
      for (let i = 0; i < (k < 2 ? 7 : 6); i++) {
        const r = await c.call('POST', `/api/v1/workflows/${workflowIds[ids.length % 3]}/execute`, {});
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ids.push(r.body.executionId);
      }
      // kill a worker that is running something, so every kill interrupts executions
      const slot = await until(
        async () => {
          const owners = [...(await c.statuses()).values()].filter((e) => e.status === 'running').map((e) => e.owner ?? '');
          const busy = c.workers.findIndex((w) => w && owners.some((o) => o.includes(`:${w.pid}:`)));
          return busy >= 0 ? busy : undefined;
        },
        'a worker to be running an execution',
        60_000,
        50,
      );
      const kill = await c.killWorker(slot);
      kills.push(kill);
      watching.push(c.watchResumption(kill, 120_000));
      await c.startWorker(slot);
    }
    const statuses = await until(
      async () => {
        const s = await c.statuses();
        return ids.every((id) => TERMINAL.has(s.get(id)?.status ?? '')) ? s : undefined;
      },
      'every execution to end',
      180_000,
      200,
    );
    await Promise.all(watching);

    assert.deepEqual(
      ids.filter((id) => statuses.get(id)!.status !== 'succeeded'),
      [],
      'every execution succeeded',
    );
    const interrupted = kills.flatMap((k) => k.affected);
    assert.ok(interrupted.length >= 3, `the kills interrupted executions (${interrupted.length})`);
    assert.deepEqual(
      kills.flatMap((k) => k.affected.filter((id) => !k.resumed.has(id))),
      [],
      'every interrupted execution was resumed after each kill that interrupted it',
    );
    const repeatedIn = new Set(sideEffects.repeated().map((key) => key.split('/')[2]!));
    assert.deepEqual(
      [...repeatedIn].filter((id) => !interrupted.includes(id)),
      [],
      'side effects repeat only in executions a kill interrupted',
    );
  });
});
