import assert from 'node:assert/strict';
import { stopSharedPostgres } from '../support/postgres-server';
import { exitOf } from '../support/weft-process';
import { useQueueCluster } from '../support/queue-cluster';
import { waitFor } from '../support/wait-for';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-queue-wait-admin-key-0123456789abcdef';

/**
 * Queue mode with real processes: `weft serve` (API, `WEFT_EXECUTION_MODE=queue`) and a
 * `weft worker` on one PostgreSQL. A waiting execution leaves the worker (its job completes);
 * a signal and then a timer wake it into the queue, and a worker finishes it.
 */
describe('e2e: wait nodes in queue mode (weft serve + weft worker)', function () {
  this.timeout(120_000);
  const { procs, call, openPersistence } = useQueueCluster(ADMIN_KEY, 1, 2);

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
    const p = await openPersistence();
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
    for (const c of procs.splice(0)) {
      c.kill('SIGTERM');
      assert.equal(await exitOf(c), 0);
    }
  });
});
