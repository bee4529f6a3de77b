import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { nodeDone, nodeRunning, startRecord } from './execution-fixtures';
import { ConflictError } from '../../../core/errors/weft-error';

describeDialects('claim fencing of execution writes', (ctx) => {
  /** Two processes on one database: `a` starts an execution, `b` takes it over. */
  async function takenOver() {
    const a = (await ctx.open({ owner: 'host-a:1:aaa' })).executionStore;
    const b = (await ctx.open({ owner: 'host-b:2:bbb' })).executionStore;
    const rec = startRecord('wf_fence');
    await a.startExecution(rec);
    await a.nodeFinished(rec.id, nodeDone('first', 'from a'));
    const cancelled: string[] = [];
    a.watchCancelRequests((id) => cancelled.push(id));
    await b.claimExecution(rec.id);
    return { a, b, id: rec.id, cancelled };
  }

  it('once another process took an execution over, the old owner records nothing more and its run is told to stop', async () => {
    const { a, b, id, cancelled } = await takenOver();
    const before = await b.getExecution(id);
    assert.equal(before!.status, 'running');

    void a.nodeStarted(id, nodeRunning('second'));
    await assert.rejects(
      a.nodeFinished(id, nodeDone('second', 'stale')),
      (err: Error) => err instanceof ConflictError && err.code === 'WF_CLAIM_LOST',
    );
    assert.deepEqual(cancelled, [id], 'the run in the old owner is stopped');
    assert.equal(a.hasLostClaim(id), true);
    await a.nodeFinished(id, nodeDone('first', 'rewritten')).catch(() => undefined);
    await a.finishExecution(id, {
      status: 'failed',
      outputs: null,
      error: { type: 'WeftError', code: 'WF_INTERNAL', message: 'stale' },
      finishedAt: new Date().toISOString(),
      durationMs: 1,
    });
    await a.flush();
    assert.deepEqual(await b.getExecution(id), before, "not one of the old owner's writes landed");

    // the new owner's writes land
    await b.nodeFinished(id, nodeDone('second', 'from b'));
    await b.finishExecution(id, { status: 'succeeded', outputs: null, error: null, finishedAt: new Date().toISOString(), durationMs: 2 });
    const doc = (await a.getExecution(id))!;
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.output]),
      [
        ['first', 'from a'],
        ['second', 'from b'],
      ],
    );
  });

  it('a rejected row does not fail the rows of other executions committed with it', async () => {
    const { a, id } = await takenOver();
    const other = startRecord('wf_fence');
    await a.startExecution(other);
    const results = await Promise.allSettled([a.nodeFinished(id, nodeDone('x')), a.nodeFinished(other.id, nodeDone('y'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled'],
    );
    assert.deepEqual(
      (await a.listNodeExecutions(other.id)).map((n) => n.nodeId),
      ['y'],
    );
    assert.deepEqual(
      (await a.listNodeExecutions(id)).map((n) => n.nodeId),
      ['first'],
    );
  });

  it('a claim cannot take an execution that ended, and a process that relinquished records nothing', async () => {
    const a = (await ctx.open({ owner: 'host-a:1:aaa' })).executionStore;
    const rec = startRecord('wf_fence');
    await a.startExecution(rec);
    await a.finishExecution(rec.id, {
      status: 'succeeded',
      outputs: null,
      error: null,
      finishedAt: new Date().toISOString(),
      durationMs: 1,
    });
    await assert.rejects(a.claimExecution(rec.id), /already ended \(succeeded\)/);

    const live = startRecord('wf_fence');
    await a.startExecution(live);
    a.relinquish(live.id);
    await assert.rejects(a.nodeFinished(live.id, nodeDone('late')), /taken over/);
    assert.deepEqual(await a.listNodeExecutions(live.id), []);
  });
});
