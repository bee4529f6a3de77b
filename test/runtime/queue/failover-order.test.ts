import assert from 'node:assert/strict';
import type { Persistence } from '../../../runtime/persistence/persistence';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { EXECUTION_QUEUE } from '../../../runtime/queue/pg-boss-queue';
import { sharedPostgresDatabase, postgresUrlOrSkip, stopSharedPostgres } from '../../support/postgres-server';
import { aborted, openPgPersistence, workerProcess, type WorkerProcess } from './queue-harness';
import { waitFor } from '../../support/wait-for';

after(stopSharedPostgres);

const oneStep: WorkflowDefinition = { name: 'one-step', nodes: [{ id: 'step', type: 'fn', config: { fn: 'step' } }], edges: [] };

/** pg-boss's own search for lapsed claims, out of the picture: it never runs during a test. */
const NO_MAINTENANCE = { maintenanceIntervalSeconds: 3600 };

describe('queue failover order (PostgreSQL)', function () {
  this.timeout(60_000);
  let url = '';
  const procs: WorkerProcess[] = [];
  let persistence: Persistence | null = null;

  before(async function () {
    url = await postgresUrlOrSkip(this);
  });

  beforeEach(async () => {
    const db = await sharedPostgresDatabase();
    if ('url' in db) url = db.url;
    persistence = await openPgPersistence(url);
  });

  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
    await persistence?.close();
  });

  it('a free worker takes a lapsed claim over itself, before fresh work of a higher priority', async () => {
    const ran: string[] = [];
    const a = await workerProcess({
      url,
      handlers: { step: (_i, ctx) => (ran.push(`A:${ctx.executionId}`), aborted(ctx.signal)) },
      concurrency: 1,
      queue: NO_MAINTENANCE,
    });
    procs.push(a);
    const wf = await persistence!.workflowStore.create(oneStep);
    const run = { workflowId: wf.id, workflowVersion: wf.version };
    const { executionId: interrupted } = await a.queue.enqueueExecution(wf.definition, { ...run, priority: 0 });
    await a.worker.start();
    await waitFor(() => ran.length === 1, 'worker A to start the execution');
    await a.kill();

    const b = await workerProcess({
      url,
      handlers: { step: (_i, ctx) => void ran.push(`B:${ctx.executionId}`) },
      concurrency: 1,
      queue: NO_MAINTENANCE,
    });
    procs.push(b);
    const { executionId: fresh } = await b.queue.enqueueExecution(wf.definition, { ...run, priority: 9 });
    const db = (await b.queue.start()).getDb();
    // every poll looks for lapsed claims: through an index of the active jobs, not a scan of the completed ones
    const index = await db.executeSql(`select indexdef from pg_indexes where schemaname = 'pgboss' and indexname = 'weft_job_active'`, []);
    assert.match(String(index.rows[0]?.indexdef), /\(name, started_on\) WHERE \(state = 'active'/);
    await waitFor(
      async () =>
        (
          await db.executeSql(
            `select 1 from pgboss.job where name = $1 and id = $2 and state = 'active' and started_on + expire_in < now()`,
            [EXECUTION_QUEUE, interrupted],
          )
        ).rows.length === 1,
      "worker A's claim to lapse",
    );
    await b.worker.start();
    const done = async (id: string) => (await persistence!.executionStore.getExecution(id))?.status === 'succeeded';
    await waitFor(async () => (await done(interrupted)) && (await done(fresh)), 'both executions to finish on worker B');
    // one slot: what B ran first is what it claimed first
    assert.deepEqual(ran, [`A:${interrupted}`, `B:${interrupted}`, `B:${fresh}`]);
    const job = await b.queue.instance.getJobById(EXECUTION_QUEUE, interrupted);
    assert.equal(job?.retryCount, 1, "B's claim is the second: A's (retry count 0) can neither renew nor complete it");
  });
});
