import assert from 'node:assert/strict';
import type { Persistence } from '../../../runtime/persistence/persistence';
import type { SqlExecutionStore } from '../../../runtime/persistence/sql-execution-store';
import type { SqlWorkflowStore } from '../../../runtime/persistence/sql-workflow-store';
import { systemClock } from '../../../core/services/clock';
import { silentLogger } from '../../../core/services/logger';
import { ConfigurationError, ValidationError } from '../../../core/errors/weft-error';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { EXECUTION_QUEUE, PgBossExecutionQueue } from '../../../runtime/queue/pg-boss-queue';
import { sharedPostgresDatabase, postgresUrlOrSkip, stopSharedPostgres } from '../../support/postgres-server';
import { aborted, openPgPersistence, workerProcess, type WorkerProcess } from './queue-harness';
import { waitFor } from '../../support/wait-for';

after(stopSharedPostgres);

const twoSteps: WorkflowDefinition = {
  name: 'two-steps',
  nodes: [
    { id: 'first', type: 'fn', config: { fn: 'first' } },
    { id: 'second', type: 'fn', config: { fn: 'second' } },
  ],
  edges: [{ from: 'first', to: 'second' }],
};

describe('pg-boss execution queue and workers (PostgreSQL)', function () {
  this.timeout(60_000);
  let url = '';
  const procs: WorkerProcess[] = [];
  let persistence: Persistence | null = null;
  let executions: SqlExecutionStore;
  let workflows: SqlWorkflowStore;

  before(async function () {
    url = await postgresUrlOrSkip(this);
  });

  beforeEach(async () => {
    // one database per test: pg-boss state never leaks between tests
    const db = await sharedPostgresDatabase();
    if ('url' in db) url = db.url;
    persistence = await openPgPersistence(url);
    executions = persistence.executionStore;
    workflows = persistence.workflowStore;
  });

  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
    await persistence?.close();
  });

  const spawn = async (
    handlers: Parameters<typeof workerProcess>[0]['handlers'],
    extra: Partial<Parameters<typeof workerProcess>[0]> = {},
  ) => {
    const p = await workerProcess({ url, handlers, ...extra });
    procs.push(p);
    return p;
  };

  it('a killed worker stops renewing its claim and another worker resumes the execution without re-running finished nodes', async () => {
    const calls = { first: 0, secondOnA: 0, secondOnB: 0 };
    const a = await spawn({
      first: () => ++calls.first,
      second: (_input, ctx) => (++calls.secondOnA, aborted(ctx.signal)), // A dies in the middle of this node
    });
    const b = await spawn({ first: () => ++calls.first, second: () => ++calls.secondOnB });
    const wf = await workflows.create(twoSteps);
    const { executionId, created } = await a.queue.enqueueExecution(wf.definition, {
      workflowId: wf.id,
      workflowVersion: wf.version,
      trigger: 'api',
    });
    assert.equal(created, true);

    await a.worker.start();
    await waitFor(() => calls.secondOnA === 1, 'worker A to reach the second node');
    const before = await executions.listNodeExecutions(executionId);
    assert.equal(before.find((n) => n.nodeId === 'first')?.status, 'succeeded');

    await a.kill();
    await b.worker.start();
    await waitFor(async () => (await executions.getExecution(executionId))?.status === 'succeeded', 'worker B to finish the execution');

    const doc = (await executions.getExecution(executionId))!;
    assert.deepEqual(doc.nodes.map((n) => [n.nodeId, n.status]).sort(), [
      ['first', 'succeeded'],
      ['second', 'succeeded'],
    ]);
    assert.deepEqual(calls, { first: 1, secondOnA: 1, secondOnB: 1 });
    assert.equal(doc.id, executionId);
    await waitFor(
      async () => (await b.queue.instance.getJobById(EXECUTION_QUEUE, executionId))?.state === 'completed',
      'the job to complete',
    );
  });

  it('two workers share a backlog: every execution runs exactly once', async () => {
    const runs = new Map<string, number>();
    const count = (_: unknown, ctx: { executionId: string }) => void runs.set(ctx.executionId, (runs.get(ctx.executionId) ?? 0) + 1);
    const a = await spawn({ first: count, second: () => 'ok' }, { concurrency: 3 });
    const b = await spawn({ first: count, second: () => 'ok' }, { concurrency: 3 });
    const wf = await workflows.create(twoSteps);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push((await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, workflowVersion: 1 })).executionId);
    await Promise.all([a.worker.start(), b.worker.start()]);
    await waitFor(async () => {
      const docs = await Promise.all(ids.map((id) => executions.getExecution(id)));
      return docs.every((d) => d?.status === 'succeeded');
    }, 'the backlog to drain');
    assert.equal(runs.size, 30);
    assert.ok(
      [...runs.values()].every((n) => n === 1),
      'no execution ran twice',
    );
  });

  it('SIGTERM hands a running execution back at once; another worker resumes it', async () => {
    let secondCalls = 0;
    const a = await spawn({ first: () => 1, second: (_i, ctx) => (++secondCalls, aborted(ctx.signal)) });
    const wf = await workflows.create(twoSteps);
    const { executionId } = await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, workflowVersion: 1 });
    await a.worker.start();
    await waitFor(() => secondCalls === 1, 'the second node to start');
    await a.shutdown(0);
    const job = await (async () => {
      const q = new PgBossExecutionQueue({ connectionString: url, executionStore: executions, clock: systemClock, logger: silentLogger });
      try {
        return await (await q.start()).getJobById(EXECUTION_QUEUE, executionId);
      } finally {
        await q.stop();
      }
    })();
    assert.equal(job?.state, 'retry', 'the job went back to the queue without waiting for its lease');
    const b = await spawn({ first: () => assert.fail('first must not run again'), second: () => 'done' });
    await b.worker.start();
    await waitFor(async () => (await executions.getExecution(executionId))?.status === 'succeeded', 'worker B to finish');
  });

  it('an execution whose claims all lapse ends failed with reason interrupted', async () => {
    let started = 0;
    const opts = { queue: { maxClaims: 1 } };
    const a = await spawn({ first: (_i, ctx) => (++started, aborted(ctx.signal)), second: () => 1 }, opts);
    const wf = await workflows.create(twoSteps);
    const { executionId } = await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, workflowVersion: 1 });
    await a.worker.start();
    await waitFor(() => started === 1, 'the first node to start');
    await a.kill();
    const b = await spawn({ first: () => assert.fail('no claims left'), second: () => 1 }, opts);
    await b.worker.start();
    await waitFor(async () => (await executions.getExecution(executionId))?.status === 'failed', 'the execution to be given up');
    const doc = (await executions.getExecution(executionId))!;
    assert.equal(doc.error?.code, 'WF_INTERRUPTED');
    assert.equal(doc.error?.reason, 'interrupted');
  });

  it('an execution cancelled just as a worker claims it is not run, and its job completes on that first claim', async () => {
    let ran = 0;
    const a = await spawn({ first: () => ++ran, second: () => ++ran });
    const claim = a.store.claimExecution.bind(a.store);
    // the API's cancel lands between the worker's read (still `pending`) and its claim
    a.store.claimExecution = async (id) => {
      assert.equal(await executions.requestCancel(id, 'cancelled mid-claim'), 'cancelled');
      return claim(id);
    };
    const wf = await workflows.create(twoSteps);
    const { executionId } = await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, workflowVersion: 1 });
    await a.worker.start();
    await waitFor(
      async () => (await a.queue.instance.getJobById(EXECUTION_QUEUE, executionId))?.state === 'completed',
      'the job to complete',
    );
    const job = (await a.queue.instance.getJobById(EXECUTION_QUEUE, executionId))!;
    assert.equal(job.retryCount, 0, 'settled on its first claim, not handed back to be claimed again');
    assert.deepEqual(job.output, { status: 'cancelled' });
    assert.equal(ran, 0, 'no node ran');
    const doc = (await executions.getExecution(executionId))!;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['first', 'cancelled'],
        ['second', 'cancelled'],
      ],
    );
  });

  it('enqueue is idempotent per idempotency key, validates before queueing, and needs PostgreSQL', async () => {
    const a = await spawn({ first: () => 1, second: () => 1 });
    const wf = await workflows.create(twoSteps);
    const one = await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, idempotencyKey: 'k1' });
    const two = await a.queue.enqueueExecution(wf.definition, { workflowId: wf.id, idempotencyKey: 'k1' });
    assert.equal(two.created, false);
    assert.equal(two.executionId, one.executionId);
    await a.queue.requeue(one.executionId); // job id = execution id: no second job
    assert.equal(await a.queue.waiting(), 1);
    const invalid = {
      ...twoSteps,
      edges: [
        { from: 'second', to: 'first' },
        { from: 'first', to: 'second' },
      ],
    };
    await assert.rejects(a.queue.enqueueExecution(invalid, { workflowId: wf.id }), ValidationError);
    assert.equal(await a.queue.waiting(), 1);
    assert.throws(
      () =>
        new PgBossExecutionQueue({
          connectionString: 'sqlite:./x.db',
          executionStore: executions,
          clock: systemClock,
          logger: silentLogger,
        }),
      ConfigurationError,
    );
  });
});
