import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { chainDefinition, countCommits, nodeDone, nodeRunning, startRecord } from './execution-fixtures';
import type { ExecutionDocument, NodeExecutionRecord } from '../../../core/model/execution-document';
import { WeftError } from '../../../core/errors/weft-error';
import type { Persistence } from '../../../runtime/persistence/persistence';
import type { SqlBatchDriver } from '../../../runtime/persistence/sql-batch';
import { waitFor } from '../../support/wait-for';

describeDialects('SqlExecutionStore', (ctx) => {
  let p: Persistence;
  before(async () => {
    p = await ctx.open({}, { WEFT_MAX_OUTPUT_BYTES: '4096' });
  });

  it('round-trips an execution and its nodes to the exact execution document', async () => {
    const def = chainDefinition('rt', ['fetch', 'parse', 'route', 'notify', 'cached']);
    const lineage = {
      parentExecutionId: '01900000-0000-7000-8000-00000000000a',
      parentNodeId: 'call',
      itemIndex: 7,
      rerunOf: '01900000-0000-7000-8000-00000000000b',
    };
    const start = startRecord('wf_roundtrip', {
      inputs: { q: 'x', nested: { a: [1, 2, null] } },
      definition: def,
      idempotencyKey: 'k-1',
      ...lineage,
      priority: 7,
    });
    assert.deepEqual(await p.executionStore.startExecution(start), { id: start.id, created: true });
    const failedErr = {
      type: 'TransientError',
      code: 'WF_HTTP_STATUS',
      message: 'GET http://x returned 503',
      stack: 'TransientError: ...\n    at x',
      retryable: true,
      attempt: 3,
      input: { url: 'http://x' },
    };
    const nodes: NodeExecutionRecord[] = [
      nodeDone('fetch', null, {
        status: 'failed',
        attempts: 3,
        error: failedErr,
        attemptErrors: [
          { ...failedErr, attempt: 1 },
          { ...failedErr, attempt: 2 },
        ],
        recoveredBy: 'cached',
      }),
      // key order, unicode, NUL characters, big and negative numbers all survive
      nodeDone('parse', { z: 1, a: 'ü \u0000 \u{1F600}', n: -1.5e300, list: [{}, [], ''] }, { reusedFrom: lineage.rerunOf }),
      nodeDone('route', { branch: 'yes', value: 1 }, { branch: 'yes' }),
      {
        nodeId: 'notify',
        status: 'skipped',
        attempts: 0,
        startedAt: null,
        finishedAt: null,
        output: null,
        error: null,
        recoveredBy: null,
        skipReason: 'branch_not_taken',
        reusedFrom: null,
      },
      nodeDone('cached', { from: 'cache' }, { fallbackFor: 'fetch' }),
    ];
    // finish in a different order than the definition: the document keeps definition order
    for (const n of [...nodes].reverse()) {
      void p.executionStore.nodeStarted(start.id, nodeRunning(n.nodeId));
      await p.executionStore.nodeFinished(start.id, n);
    }
    const finishedAt = new Date(Date.parse(start.startedAt) + 120).toISOString();
    await p.executionStore.finishExecution(start.id, {
      status: 'partially_succeeded',
      outputs: { digest: { a: 1 } },
      error: null,
      finishedAt,
      durationMs: 120,
    });
    const expected: ExecutionDocument = {
      id: start.id,
      workflowId: 'wf_roundtrip',
      workflowVersion: 1,
      status: 'partially_succeeded',
      trigger: 'api',
      inputs: start.inputs,
      outputs: { digest: { a: 1 } },
      error: null,
      idempotencyKey: 'k-1',
      startedAt: start.startedAt,
      finishedAt,
      durationMs: 120,
      ...lineage,
      priority: 7,
      nodes,
    };
    assert.deepStrictEqual(await p.executionStore.getExecution(start.id), expected);
    assert.deepStrictEqual(await p.executionStore.listNodeExecutions(start.id), nodes);
    assert.deepStrictEqual(await p.executionStore.findByIdempotencyKey('wf_roundtrip', 'k-1'), expected);
    // and from a second connection (another process would see the same)
    const other = await ctx.open();
    assert.deepStrictEqual(await other.executionStore.getExecution(start.id), expected);
  });

  it('returns null and [] for unknown executions, including hostile ids', async () => {
    assert.equal(await p.executionStore.getExecution('nope'), null);
    assert.equal(await p.executionStore.getExecution("x' OR '1'='1"), null);
    assert.deepEqual(await p.executionStore.listNodeExecutions("x' OR '1'='1"), []);
    assert.equal(await p.executionStore.findByIdempotencyKey('wf_roundtrip', "k-1' OR '1'='1"), null);
  });

  it('commits a node start lazily, and a start followed by a finish as one row write', async () => {
    const s = startRecord('wf_lazy');
    await p.executionStore.startExecution(s);
    await p.executionStore.nodeStarted(s.id, nodeRunning('a'));
    await p.executionStore.flush();
    assert.equal((await p.executionStore.listNodeExecutions(s.id))[0]!.status, 'running');
    void p.executionStore.nodeStarted(s.id, nodeRunning('b'));
    await p.executionStore.nodeFinished(s.id, nodeDone('b'));
    const b = (await p.executionStore.listNodeExecutions(s.id)).find((n) => n.nodeId === 'b')!;
    assert.equal(b.status, 'succeeded');
  });

  it('group-commits parallel writes into few transactions and sequential ones one commit per node', async () => {
    const s = startRecord('wf_group');
    await p.executionStore.startExecution(s);
    const commits = countCommits(p);
    const ids = Array.from({ length: 100 }, (_, i) => `n${i}`);
    for (const id of ids) void p.executionStore.nodeStarted(s.id, nodeRunning(id));
    await Promise.all(ids.map((id) => p.executionStore.nodeFinished(s.id, nodeDone(id))));
    assert.ok(commits.count <= 2, `100 parallel nodes took ${commits.count} commits`);
    assert.equal((await p.executionStore.listNodeExecutions(s.id)).filter((n) => n.status === 'succeeded').length, 100);
    const before = commits.count;
    for (const id of ['x1', 'x2', 'x3', 'x4']) {
      void p.executionStore.nodeStarted(s.id, nodeRunning(id));
      await p.executionStore.nodeFinished(s.id, nodeDone(id));
    }
    assert.equal(commits.count - before, 4);
  });

  it('commits writes queued by separate callbacks of one loop turn (two requests, say) together', async () => {
    const commits = countCommits(p);
    const a = startRecord('wf_turn');
    const b = startRecord('wf_turn');
    const written = await new Promise<unknown[]>((resolve) => {
      const pending: Promise<unknown>[] = [];
      setImmediate(() => pending.push(p.executionStore.startExecution(a)));
      setImmediate(() => {
        pending.push(p.executionStore.startExecution(b));
        resolve(Promise.all(pending));
      });
    });
    assert.equal(written.length, 2);
    assert.equal(commits.count, 1);
    assert.ok(await p.executionStore.getExecution(a.id));
    assert.ok(await p.executionStore.getExecution(b.id));
  });

  it('returns the first execution for a used idempotency key, also for concurrent starts', async () => {
    const first = startRecord('wf_idem', { idempotencyKey: 'order-7' });
    assert.deepEqual(await p.executionStore.startExecution(first), { id: first.id, created: true });
    assert.deepEqual(await p.executionStore.startExecution(startRecord('wf_idem', { idempotencyKey: 'order-7' })), {
      id: first.id,
      created: false,
    });
    // the same key on another workflow is another execution
    const elsewhere = startRecord('wf_idem_other', { idempotencyKey: 'order-7' });
    assert.deepEqual(await p.executionStore.startExecution(elsewhere), { id: elsewhere.id, created: true });
    // concurrent starts through one store and through two connections: exactly one wins
    const other = await ctx.open();
    const racers = Array.from({ length: 6 }, (_, i) => ({
      store: i % 2 ? other.executionStore : p.executionStore,
      rec: startRecord('wf_idem', { idempotencyKey: 'race' }),
    }));
    const results = await Promise.all(racers.map((r) => r.store.startExecution(r.rec)));
    const winners = results.filter((r) => r.created);
    assert.equal(winners.length, 1);
    assert.ok(results.every((r) => r.id === winners[0]!.id));
    const page = await p.executionStore.listExecutions({ workflowId: 'wf_idem', limit: 200 });
    assert.equal(page.items.filter((e) => e.idempotencyKey === 'race').length, 1);
  });

  it('refuses node outputs above the size cap with a clear error, never truncating', async () => {
    const s = startRecord('wf_cap');
    await p.executionStore.startExecution(s);
    await p.executionStore.nodeFinished(s.id, nodeDone('small', { text: 'x'.repeat(1000) }));
    await assert.rejects(p.executionStore.nodeFinished(s.id, nodeDone('big', { text: 'é'.repeat(3000) })), (err: WeftError) => {
      assert.equal(err.code, 'WF_OUTPUT_TOO_LARGE');
      assert.match(err.message, /node "big".*6\d{3} bytes.*4096/);
      return true;
    });
    const nodes = await p.executionStore.listNodeExecutions(s.id);
    assert.deepEqual(
      nodes.map((n) => n.nodeId),
      ['small'],
    );
    assert.equal((nodes[0]!.output as { text: string }).text.length, 1000);
    // an oversized error input snapshot is left out, and the record says so
    await p.executionStore.nodeFinished(
      s.id,
      nodeDone('err', null, {
        status: 'failed',
        error: { type: 'NodeExecutionError', code: 'WF_NODE_FAILED', message: 'boom', input: 'y'.repeat(5000) },
      }),
    );
    const err = (await p.executionStore.listNodeExecutions(s.id)).find((n) => n.nodeId === 'err')!.error as unknown as Record<
      string,
      unknown
    >;
    assert.equal(err.message, 'boom');
    assert.equal(err.input, undefined);
    assert.match(String(err.inputOmitted), /4096-byte limit/);
    // oversized workflow outputs: the execution still ends (failed) and the caller hears why
    await assert.rejects(
      p.executionStore.finishExecution(s.id, {
        status: 'succeeded',
        outputs: { big: 'z'.repeat(5000) },
        error: null,
        finishedAt: new Date().toISOString(),
        durationMs: 3,
      }),
      /more than the 4096-byte limit/,
    );
    const doc = (await p.executionStore.getExecution(s.id))!;
    assert.equal(doc.status, 'failed');
    assert.equal(doc.outputs, null);
    assert.equal(doc.error!.code, 'WF_OUTPUT_TOO_LARGE');
  });

  it('isolates a failing write from the others committed in the same batch', async () => {
    const s = startRecord('wf_isolate');
    await p.executionStore.startExecution(s);
    const results = await Promise.allSettled([
      p.executionStore.startExecution({ ...startRecord('wf_isolate'), id: s.id }), // duplicate primary key
      p.executionStore.nodeFinished(s.id, nodeDone('ok1')),
      p.executionStore.startExecution(startRecord('wf_isolate')),
      p.executionStore.nodeFinished(s.id, nodeDone('ok2')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual((await p.executionStore.listNodeExecutions(s.id)).map((n) => n.nodeId).sort(), ['ok1', 'ok2']);
    assert.equal((await p.executionStore.listExecutions({ workflowId: 'wf_isolate', limit: 10 })).items.length, 2);
  });

  it('refreshes the heartbeat of the executions it runs, and marks resumed ones its own', async () => {
    const q = await ctx.open({ heartbeatMs: 15, owner: 'test-host:1:heartbeat' });
    const s = startRecord('wf_beat');
    await q.executionStore.startExecution(s);
    const read = () => q.executionStore.knex('workflow_execution').where({ id: s.id }).first('heartbeat_at', 'owner', 'status');
    const first = Number((await read()).heartbeat_at);
    await waitFor(async () => Number((await read()).heartbeat_at) > first, 'a heartbeat to refresh heartbeat_at');
    await q.executionStore.finishExecution(s.id, {
      status: 'failed',
      outputs: null,
      error: null,
      finishedAt: new Date().toISOString(),
      durationMs: 1,
    });
    await p.executionStore.resumeExecution(s.id);
    const row = await read();
    assert.equal(row.status, 'running');
    assert.equal(row.owner, p.executionStore.owner);
  });

  it('stops the heartbeat of an execution whose end could not be written, so recovery can take it', async () => {
    const q = await ctx.open({ heartbeatMs: 15, owner: 'test-host:1:lost-end' });
    const s = startRecord('wf_lost_end');
    await q.executionStore.startExecution(s);
    const driver = (q.executionStore.writer as unknown as { driver: SqlBatchDriver }).driver;
    const commit = driver.commit.bind(driver);
    const commitSync = driver.commitSync?.bind(driver);
    driver.commit = async () => {
      driver.commit = commit;
      throw new Error('disk I/O error');
    };
    if (commitSync) {
      driver.commitSync = () => {
        driver.commitSync = commitSync;
        throw new Error('disk I/O error');
      };
    }
    await assert.rejects(
      q.executionStore.finishExecution(s.id, {
        status: 'succeeded',
        outputs: null,
        error: null,
        finishedAt: new Date().toISOString(),
        durationMs: 1,
      }),
      /disk I\/O error/,
    );
    const read = async () =>
      Number((await q.executionStore.knex('workflow_execution').where({ id: s.id }).first('heartbeat_at')).heartbeat_at);
    // What this test asserts is an absence: no heartbeat for several periods. A beat with nothing
    // to refresh leaves no trace to wait for, so these waits stay timed (in heartbeat periods):
    // the first lets a beat already in flight land, the second spans five more periods.
    await new Promise((r) => setTimeout(r, 40));
    const stopped = await read();
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await read(), stopped, 'no heartbeat after the failed end');
    assert.equal((await q.executionStore.getExecution(s.id))!.status, 'running');
  });

  it('records queued executions pending without an owner until a worker resumes them', async () => {
    const s = { ...startRecord('wf_pending'), status: 'pending' as const };
    await p.executionStore.startExecution(s);
    const read = () => p.executionStore.knex('workflow_execution').where({ id: s.id }).first('status', 'owner', 'heartbeat_at');
    assert.deepEqual({ ...(await read()) }, { status: 'pending', owner: null, heartbeat_at: null });
    assert.equal((await p.executionStore.getExecution(s.id))!.status, 'pending');
    const worker = await ctx.open({ owner: 'worker-host:9:abcabc' });
    await worker.executionStore.resumeExecution(s.id);
    const row = await read();
    assert.equal(row.status, 'running');
    assert.equal(row.owner, 'worker-host:9:abcabc');
  });

  it('lists the nodes of an execution resumed elsewhere in its pinned definition order', async () => {
    const saved = await p.workflowStore.create(chainDefinition('ordered', ['x', 'y', 'z']));
    const s = { ...startRecord(saved.id), status: 'pending' as const };
    await p.executionStore.startExecution(s);
    const worker = await ctx.open({ owner: 'worker-host:10:abcabc' });
    await worker.executionStore.resumeExecution(s.id);
    for (const id of ['z', 'x', 'y']) await worker.executionStore.nodeFinished(s.id, nodeDone(id));
    assert.deepEqual(
      (await p.executionStore.listNodeExecutions(s.id)).map((n) => n.nodeId),
      ['x', 'y', 'z'],
    );
  });

  it('rejects malformed start records with ValidationErrors', async () => {
    await assert.rejects(p.executionStore.startExecution({ ...startRecord('wf_bad'), id: 'x'.repeat(37) }), { code: 'WF_VALIDATION' });
    await assert.rejects(p.executionStore.startExecution(startRecord('')), { code: 'WF_VALIDATION' });
    await assert.rejects(p.executionStore.startExecution(startRecord('wf_bad', { idempotencyKey: 'k'.repeat(513) })), {
      code: 'WF_VALIDATION',
    });
  });

  it('keeps records across a close and reopen', async () => {
    const q = await ctx.open();
    const s = startRecord('wf_reopen');
    await q.executionStore.startExecution(s);
    await q.executionStore.nodeFinished(s.id, nodeDone('a'));
    const doc = await q.executionStore.getExecution(s.id);
    await q.close();
    const r = await ctx.open();
    assert.deepStrictEqual(await r.executionStore.getExecution(s.id), doc);
    await assert.rejects(q.executionStore.nodeFinished(s.id, nodeDone('b')), /closed/);
  });
});
