import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { nodeDone, startRecord } from './execution-fixtures';
import { pruneExecutions, startRetention } from '../../../runtime/persistence/execution-retention';
import type { Persistence } from '../../../runtime/persistence/persistence';
import { waitFor } from '../../support/wait-for';

const DAY = 86_400_000;

describeDialects('execution retention', (ctx) => {
  let p: Persistence;
  const now = Date.parse('2026-06-01T00:00:00Z');
  const old: string[] = [];
  const recent: string[] = [];
  let oldRunning = '';

  before(async () => {
    p = await ctx.open();
    const make = async (ageDays: number, finish: boolean) => {
      const r = startRecord('wf_ret', { startedAt: new Date(now - ageDays * DAY).toISOString() });
      await p.executionStore.startExecution(r);
      await p.executionStore.nodeFinished(r.id, nodeDone('a'));
      await p.executionStore.nodeFinished(r.id, nodeDone('b'));
      if (finish)
        await p.executionStore.finishExecution(r.id, {
          status: 'succeeded',
          outputs: {},
          error: null,
          finishedAt: r.startedAt,
          durationMs: 1,
        });
      return r.id;
    };
    for (let i = 0; i < 7; i++) old.push(await make(40 + i, true));
    for (let i = 0; i < 3; i++) recent.push(await make(5 + i * 1.25, true)); // 5, 6.25 and 7.5 days
    oldRunning = await make(60, false);
  });

  it('prunes only finished executions older than the cutoff, with their node executions, in batches', async () => {
    const deleted = await pruneExecutions(p.executionStore.knex, new Date(now - 30 * DAY), 3);
    assert.equal(deleted, 7);
    for (const id of old) {
      assert.equal(await p.executionStore.getExecution(id), null);
      assert.deepEqual(await p.executionStore.listNodeExecutions(id), []);
    }
    for (const id of recent) assert.equal((await p.executionStore.getExecution(id))!.nodes.length, 2);
    assert.equal((await p.executionStore.getExecution(oldRunning))!.status, 'running', 'running executions are never pruned');
    assert.equal(await p.prune(new Date(now - 30 * DAY)), 0);
    await assert.rejects(p.prune(new Date('nope')), { code: 'WF_VALIDATION' });
  });

  it('prunes periodically per retentionDays, and not at all when it is 0', async () => {
    const cutoffs: Date[] = [];
    const off = startRetention({ prune: async (d) => (cutoffs.push(d), 0), retentionDays: 0 });
    await off.stop();
    assert.equal(cutoffs.length, 0);
    const on = startRetention({
      prune: (d) => p.prune(d).then((n) => (cutoffs.push(d), n)),
      retentionDays: 6,
      intervalMs: 10,
      now: () => now,
    });
    await waitFor(() => cutoffs.length >= 2, 'two prune passes');
    await on.stop();
    assert.equal(cutoffs[0]!.getTime(), now - 6 * DAY);
    // the 5-day-old execution stays; the 6.25- and 7.5-day-old ones go
    assert.ok(await p.executionStore.getExecution(recent[0]!));
    assert.equal(await p.executionStore.getExecution(recent[1]!), null);
    assert.equal(await p.executionStore.getExecution(recent[2]!), null);
  });
});
