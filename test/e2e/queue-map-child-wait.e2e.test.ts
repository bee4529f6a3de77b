import assert from 'node:assert/strict';
import { stopSharedPostgres } from '../support/postgres-server';
import { exitOf } from '../support/weft-process';
import { useQueueCluster } from '../support/queue-cluster';
import { waitFor } from '../support/wait-for';
import { approvalChild, mapOverChildren } from '../support/approval-workflows';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-queue-map-child-wait-admin-0123456789ab';

/**
 * Queue mode with real processes on one PostgreSQL: `weft serve` (API) and ONE `weft worker`
 * running one execution at a time. A `map` over child workflows must not hold the only worker
 * while its children are queued or wait (that deadlocks): the map parks on its children, the
 * worker runs them one after another until each waits for its signal; each child's end wakes
 * the parent into the queue, and the worker finishes it with the results in item order.
 */
describe('e2e: a map does not hold the only worker while its children wait (queue mode)', function () {
  this.timeout(120_000);
  const { procs, call, statusOf } = useQueueCluster(ADMIN_KEY, 1, 1);

  it('parks the map, runs its three children on the same worker, and their signals finish the parent', async () => {
    const kidWf = await call('POST', '/api/v1/workflows', approvalChild('queued-map-child-approval'));
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', mapOverChildren('queued-map-parent', kidWf.body.id, ['x', 'y', 'z']));
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, {});
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const id: string = run.body.executionId;

    // all three children reach their wait on the only worker: the parent let go of it
    const kids: any[] = await waitFor(
      async () => {
        const items = (await call('GET', `/api/v1/executions/${id}/children`)).body.items;
        return items.length === 3 && items.every((k: any) => k.status === 'waiting') ? items : undefined;
      },
      'the three children to wait on the worker',
      { timeoutMs: 60_000 },
    );
    const parked = await waitFor(
      async () => {
        const d = await statusOf(id);
        return d.status === 'waiting' ? d : undefined;
      },
      'the parent to be waiting',
      { timeoutMs: 30_000 },
    );
    assert.equal(parked.nodes.find((n: any) => n.nodeId === 'fan').status, 'waiting');

    for (const k of kids) {
      const signal = await call('POST', `/api/v1/executions/${k.id}/signals/approve`, { payload: { by: `ops-${k.itemIndex}` } });
      assert.equal(signal.status, 202, JSON.stringify(signal.body));
    }
    const doc = await waitFor(
      async () => {
        const d = await statusOf(id);
        return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
      },
      'the parent to finish',
      { timeoutMs: 60_000 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs.fan, {
      items: ['x', 'y', 'z'].map((item, i) => ({ approved: { by: `ops-${i}`, item } })),
      failed: [],
    });
    assert.equal((await call('GET', `/api/v1/executions/${id}/children`)).body.items.length, 3);
    for (const c of procs.splice(0)) {
      c.kill('SIGTERM');
      assert.equal(await exitOf(c), 0);
    }
  });
});
