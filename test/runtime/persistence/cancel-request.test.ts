import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { nodeDone, nodeRunning, startRecord } from './execution-fixtures';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import type { Persistence } from '../../../runtime/persistence/persistence';
import { CANCEL_REQUESTED_INDEX } from '../../../runtime/persistence/entities/workflow-execution.entity';

/** Four scheduled nodes and one fallback (which the document lists only when it ran). */
const withFallback: WorkflowDefinition = {
  name: 'cancel-queued',
  nodes: [
    { id: 'fetch', type: 'echo', config: { value: 1 }, fallback: 'cached' },
    { id: 'cached', type: 'echo', config: { value: 0 } },
    { id: 'parse', type: 'echo', config: { value: 2 } },
    { id: 'notify', type: 'echo', config: { value: 3 } },
    { id: 'audit', type: 'echo', config: { value: 4 } },
  ],
  edges: [
    { from: 'fetch', to: 'parse' },
    { from: 'parse', to: 'notify' },
  ],
};

describeDialects('ExecutionStore.requestCancel (SQL)', (ctx) => {
  let p: Persistence;
  before(async () => {
    p = await ctx.open({ owner: 'test-host:1:cancel-owner', cancelPollMs: 0 });
  });

  const requests = async (store: Persistence['executionStore']): Promise<Array<[string, string]>> => {
    const seen: Array<[string, string]> = [];
    const stop = store.watchCancelRequests((id, reason) => seen.push([id, reason]));
    try {
      await store.cancelRequests.poll();
    } finally {
      stop();
    }
    return seen;
  };

  it('ends a queued (pending) execution cancelled at once, every scheduled node recorded cancelled, and no worker can resume it', async () => {
    const saved = await p.workflowStore.create(withFallback);
    const s = startRecord(saved.id, { workflowVersion: saved.version, status: 'pending', definition: saved.definition });
    await p.executionStore.startExecution(s);
    assert.equal(await p.executionStore.requestCancel(s.id, 'not needed any more'), 'cancelled');
    const doc = (await p.executionStore.getExecution(s.id))!;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(
      { type: doc.error!.type, code: doc.error!.code, message: doc.error!.message },
      { type: 'CancelledError', code: 'WF_CANCELLED', message: 'not needed any more' },
    );
    assert.ok(doc.finishedAt && doc.durationMs !== null && doc.durationMs >= 0);
    // every node exactly once, in definition order, the fallback left out, none ever started
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status, n.attempts, n.startedAt]),
      ['fetch', 'parse', 'notify', 'audit'].map((id) => [id, 'cancelled', 0, null]),
    );
    const row = await p.executionStore
      .knex('workflow_execution')
      .where({ id: s.id })
      .first('cancel_requested_at', 'cancel_reason', 'owner');
    assert.ok(Number(row.cancel_requested_at) > 0);
    assert.equal(row.cancel_reason, 'not needed any more');
    assert.equal(row.owner, null, 'no process ever owned it');
    // the worker that claims its job later: refused, so it never runs
    await assert.rejects(p.executionStore.resumeExecution(s.id), { code: 'WF_CONFLICT' });
    assert.equal((await p.executionStore.getExecution(s.id))!.status, 'cancelled');
    await assert.rejects(p.executionStore.requestCancel(s.id, 'again'), { code: 'WF_CONFLICT', message: /already finished \(cancelled\)/ });
  });

  it('cancels a queued ad-hoc execution from the definition kept on its row', async () => {
    const def: WorkflowDefinition = { name: 'adhoc', nodes: [{ id: 'only', type: 'echo', config: {} }] };
    const s = startRecord('wf_adhoc_cancel', { status: 'pending', definition: def });
    await p.executionStore.startExecution(s);
    assert.equal(await p.executionStore.requestCancel(s.id, ''), 'cancelled');
    const doc = (await p.executionStore.getExecution(s.id))!;
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [['only', 'cancelled']],
    );
    assert.equal(doc.error!.message, 'cancelled by request', 'an empty reason gets the default');
  });

  it('records the request on a running execution; only its owner’s poll reports it, with the first reason, until it ends', async () => {
    const s = startRecord('wf_cancel_running', { definition: withFallback });
    await p.executionStore.startExecution(s);
    await p.executionStore.nodeFinished(s.id, nodeDone('fetch'));
    await p.executionStore.nodeStarted(s.id, nodeRunning('parse'));
    await p.executionStore.flush();
    assert.deepEqual(await requests(p.executionStore), [], 'nothing requested yet');

    const other = await ctx.open({ owner: 'test-host:2:other-process', cancelPollMs: 0 });
    assert.equal(await other.executionStore.requestCancel(s.id, 'stop it'), 'requested');
    assert.equal(await other.executionStore.requestCancel(s.id, 'a second reason'), 'requested', 'asking twice is fine');
    const doc = (await p.executionStore.getExecution(s.id))!;
    assert.equal(doc.status, 'running', 'the owner ends it, not the requester');
    assert.equal(doc.nodes.find((n) => n.nodeId === 'parse')!.status, 'running');
    assert.deepEqual(await requests(p.executionStore), [[s.id, 'stop it']]);
    // another process's poll reads only the executions it runs
    await other.executionStore.startExecution(startRecord('wf_other_running'));
    assert.deepEqual(await requests(other.executionStore), []);

    await p.executionStore.finishExecution(s.id, {
      status: 'cancelled',
      outputs: null,
      error: null,
      finishedAt: new Date().toISOString(),
      durationMs: 5,
    });
    assert.deepEqual(await requests(p.executionStore), [], 'an ended execution is no longer reported');
    await assert.rejects(other.executionStore.requestCancel(s.id, 'late'), { code: 'WF_CONFLICT' });
  });

  it('answers a finished execution with a conflict, and leaves it as it was', async () => {
    const s = startRecord('wf_cancel_finished');
    await p.executionStore.startExecution(s);
    await p.executionStore.finishExecution(s.id, {
      status: 'succeeded',
      outputs: { ok: true },
      error: null,
      finishedAt: new Date().toISOString(),
      durationMs: 3,
    });
    await assert.rejects(p.executionStore.requestCancel(s.id, 'too late'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'WF_CONFLICT');
      assert.match(err.message, /already finished \(succeeded\)/);
      return true;
    });
    const row = await p.executionStore.knex('workflow_execution').where({ id: s.id }).first('status', 'cancel_requested_at');
    assert.deepEqual({ status: row.status, requested: row.cancel_requested_at }, { status: 'succeeded', requested: null });
  });

  it('answers unknown and hostile ids with not found, touching nothing', async () => {
    const requested = () => p.executionStore.knex('workflow_execution').whereNotNull('cancel_requested_at').count({ n: '*' });
    const before = await requested();
    const hostile: unknown[] = [
      '01900000-0000-7000-8000-000000000000',
      '',
      'x'.repeat(10_000),
      "' or 1=1 --",
      "x'); update workflow_execution set status = 'cancelled'; --",
      'a\u0000b',
      '%',
      123,
      null,
      { id: 'x' },
    ];
    for (const id of hostile) {
      await assert.rejects(p.executionStore.requestCancel(id as string, 'r'), { code: 'WF_NOT_FOUND' }, String(id).slice(0, 40));
    }
    assert.deepEqual(await requested(), before);
  });

  it('keeps an over-long reason to 500 characters', async () => {
    const s = startRecord('wf_cancel_long_reason', { status: 'pending', definition: { name: 'x', nodes: [{ id: 'a', type: 'echo' }] } });
    await p.executionStore.startExecution(s);
    await p.executionStore.requestCancel(s.id, 'r'.repeat(5000));
    assert.equal((await p.executionStore.getExecution(s.id))!.error!.message.length, 500);
  });

  it('polls through the partial index of open requests', async () => {
    const knex = p.executionStore.knex;
    const sql =
      "select id, cancel_reason from workflow_execution where owner = 'x' and status = 'running' and cancel_requested_at is not null";
    let plan: string;
    if (ctx.dialect === 'sqlite') {
      plan = JSON.stringify(await knex.raw(`explain query plan ${sql}`));
    } else {
      // the test table is tiny: forbid the sequential scan the planner would rightly prefer, in one transaction
      plan = await knex.transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        return JSON.stringify((await trx.raw(`explain ${sql}`)).rows);
      });
    }
    assert.ok(plan.includes(CANCEL_REQUESTED_INDEX), plan);
  });
});
