import assert from 'node:assert/strict';
import { stopSharedPostgres } from '../support/postgres-server';
import { exitOf } from '../support/weft-process';
import { useQueueCluster } from '../support/queue-cluster';
import { readSse } from '../api/support/sse-client';
import { waitFor } from '../support/wait-for';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-cancel-admin-key-0123456789abcdef';
const SLEEP_MS = 30_000;

interface NodeDoc {
  nodeId: string;
  status: string;
  attempts: number;
  startedAt: string | null;
}

/**
 * Queue mode with real processes: `weft serve` (API, `WEFT_EXECUTION_MODE=queue`) and a
 * `weft worker` on one PostgreSQL. The API cancels executions it does not run itself.
 */
describe('e2e: cancelling through the API of weft serve what a weft worker runs (queue mode)', function () {
  this.timeout(120_000);
  // no worker at first: the first case cancels an execution still queued
  const cluster = useQueueCluster(ADMIN_KEY, 0, 2);
  const { call } = cluster;
  const execution = async (id: string) =>
    (await cluster.statusOf(id)) as {
      status: string;
      error: { type: string; message: string } | null;
      nodes: NodeDoc[];
    };

  let workflowId = '';
  let queuedId = '';

  it('cancels a queued execution before any worker runs: 202, ended cancelled at once, no node ever runs', async () => {
    const created = await call('POST', '/api/v1/workflows', {
      name: 'slow-in-a-worker',
      nodes: [
        { id: 'fetch', type: 'tool', config: { tool: 'core.echo', input: { n: 1 } } },
        { id: 'crunch', type: 'tool', config: { tool: 'core.sleep', input: { ms: SLEEP_MS, value: 'crunched' } } },
        { id: 'report', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.crunch.output }}' } },
      ],
      edges: [
        { from: 'fetch', to: 'crunch' },
        { from: 'crunch', to: 'report' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    workflowId = created.body.id;
    const started = await call('POST', `/api/v1/workflows/${workflowId}/execute`, {});
    assert.equal(started.status, 202);
    assert.equal(started.body.status, 'pending');
    queuedId = started.body.executionId;

    const cancel = await call('POST', `/api/v1/executions/${queuedId}/cancel`, { reason: 'no longer needed' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    assert.deepEqual(cancel.body, { executionId: queuedId, cancelRequested: true });
    const doc = await execution(queuedId);
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.error!.message, 'no longer needed');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status, n.attempts, n.startedAt]),
      [
        ['fetch', 'cancelled', 0, null],
        ['crunch', 'cancelled', 0, null],
        ['report', 'cancelled', 0, null],
      ],
    );
    assert.equal((await call('POST', `/api/v1/executions/${queuedId}/cancel`)).status, 409);
  });

  it('cancels an execution running in a weft worker: 202, then it ends cancelled, its running node cancelled, long before the sleep ends', async () => {
    const worker = await cluster.startWorker();
    const id: string = (await call('POST', `/api/v1/workflows/${workflowId}/execute`, {})).body.executionId;
    // followed live through the API process, though the worker runs it (events cross on PostgreSQL)
    const stream = readSse(`${cluster.url}/api/v1/executions/${id}/events`, ADMIN_KEY, { timeoutMs: 60_000 });
    await waitFor(
      async () => ((await execution(id)).nodes.some((n) => n.nodeId === 'crunch' && n.status === 'running') ? true : undefined),
      'the worker to run the slow node',
      { timeoutMs: 30_000 },
    );

    const asked = Date.now();
    const cancel = await call('POST', `/api/v1/executions/${id}/cancel`, { reason: 'stop the worker run' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    assert.deepEqual(cancel.body, { executionId: id, cancelRequested: true });
    const doc = await waitFor(
      async () => {
        const d = await execution(id);
        return d.status === 'cancelled' ? d : undefined;
      },
      'the execution to end cancelled',
      { timeoutMs: 30_000 },
    );
    // the sleep was interrupted, not waited out (the waitFor above gives up long before it ends)
    const tookMs = Date.now() - asked;
    assert.ok(tookMs < SLEEP_MS, `cancelled after ${tookMs} ms (the node sleeps ${SLEEP_MS} ms)`);
    assert.equal(doc.error!.type, 'CancelledError');
    assert.equal(doc.error!.message, 'stop the worker run');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['fetch', 'succeeded'],
        ['crunch', 'cancelled'],
        ['report', 'cancelled'],
      ],
    );
    assert.equal((await call('POST', `/api/v1/executions/${id}/cancel`)).status, 409);
    const events = await stream;
    assert.ok(events.closedByServer, 'the stream ends with the execution');
    const seen = events.events.map((e) => (e.event === 'node' ? `${e.data.nodeId}:${e.data.status}` : `${e.event}:${e.data.status}`));
    assert.ok(seen.includes('crunch:cancelled'), `the worker's node events reach the API's stream: ${seen.join(' ')}`);
    assert.equal(seen[seen.length - 1], 'execution:cancelled', seen.join(' '));

    // the worker claimed the job of the execution cancelled while queued, and did not run it
    const p = await cluster.openPersistence();
    try {
      const job = await waitFor(
        async () => {
          const r = await p.executionStore.knex.raw("select state from pgboss.job where name = 'weft-executions' and id = ?", [queuedId]);
          return r.rows[0]?.state === 'completed' ? r.rows[0] : undefined;
        },
        "the worker to settle the cancelled execution's job",
        { timeoutMs: 30_000 },
      );
      assert.equal(job.state, 'completed');
    } finally {
      await p.close();
    }
    const queued = await execution(queuedId);
    assert.equal(queued.status, 'cancelled');
    assert.ok(
      queued.nodes.every((n) => n.status === 'cancelled' && n.attempts === 0 && n.startedAt === null),
      JSON.stringify(queued.nodes),
    );

    worker.child.kill('SIGTERM');
    assert.equal(await exitOf(worker.child), 0, worker.output());
  });
});
