import assert from 'node:assert/strict';
import { stopSharedPostgres } from '../support/postgres-server';
import { exitOf } from '../support/weft-process';
import { useQueueCluster } from '../support/queue-cluster';
import { waitFor } from '../support/wait-for';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-queue-child-wait-admin-key-0123456789ab';

/**
 * Queue mode with real processes on one PostgreSQL: `weft serve` (API) and ONE `weft worker`
 * running one execution at a time. A parent whose `workflow` node starts a child must not hold
 * the only worker while the child is queued or waits (that deadlocks): the parent parks, the
 * worker runs the child, which waits for a signal; the signal ends the child, whose end wakes the
 * parent into the queue, and the worker finishes it with the child's outputs.
 */
describe('e2e: a parent does not hold the only worker while its child waits (queue mode)', function () {
  this.timeout(120_000);
  const { procs, call, statusOf, ended } = useQueueCluster(ADMIN_KEY, 1, 1);

  it('cancelling the parked parent cancels its child running on the worker (waiting on a signal beside a running node)', async () => {
    const kidWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-child-busy',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000, value: 'slept' } } },
      ],
      outputs: { by: '{{ nodes.approve.output.payload }}' },
    });
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-parent-cancelled',
      nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: kidWf.body.id } }],
      outputs: { child: '{{ nodes.sub.output }}' },
    });
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, {});
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const id: string = run.body.executionId;
    // the child runs on the only worker (its `slow` node keeps it there) while its `approve` node waits
    const kidId: string = await waitFor(
      async () => {
        const kids = (await call('GET', `/api/v1/executions/${id}/children`)).body.items;
        if (kids.length !== 1) return undefined;
        const kid = await statusOf(kids[0].id);
        const node = (n: string) => kid.nodes.find((x: any) => x.nodeId === n)?.status;
        return kid.status === 'running' && node('approve') === 'waiting' && node('slow') === 'running' ? kid.id : undefined;
      },
      'the child to wait beside its running node on the worker',
      { timeoutMs: 30_000 },
    );
    await waitFor(async () => ((await statusOf(id)).status === 'waiting' ? true : undefined), 'the parent to park', { timeoutMs: 30_000 });

    const cancel = await call('POST', `/api/v1/executions/${id}/cancel`);
    assert.ok([200, 202].includes(cancel.status), JSON.stringify(cancel.body));
    const parent = await ended(id);
    assert.equal(parent.status, 'cancelled');
    assert.equal(parent.nodes.find((n: any) => n.nodeId === 'sub').status, 'cancelled');
    const kid = await ended(kidId);
    assert.equal(kid.status, 'cancelled');
    assert.match(kid.error.message, new RegExp(`parent execution ${id}`));
    for (const n of ['approve', 'slow']) assert.equal(kid.nodes.find((x: any) => x.nodeId === n).status, 'cancelled', n);
    assert.equal((await call('POST', `/api/v1/executions/${kidId}/signals/approve`, {})).status, 409);
  });

  it('parks the parent, runs the child on the same worker, and a signal finishes both', async () => {
    const kidWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-child-approval',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        {
          id: 'out',
          type: 'tool',
          config: { tool: 'core.echo', input: { by: '{{ nodes.approve.output.payload.by }}', n: '{{ inputs.n }}' } },
        },
      ],
      edges: [{ from: 'approve', to: 'out' }],
      outputs: { approved: '{{ nodes.out.output }}' },
    });
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-parent',
      nodes: [
        { id: 'sub', type: 'workflow', config: { workflowId: kidWf.body.id, inputs: { n: 3 } } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.sub.output }}' } },
      ],
      edges: [{ from: 'sub', to: 'after' }],
      outputs: { child: '{{ nodes.after.output }}' },
    });
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, {});
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const id: string = run.body.executionId;

    // the child reaches its wait on the only worker: the parent let go of it
    const kidId: string = await waitFor(
      async () => {
        const kids = (await call('GET', `/api/v1/executions/${id}/children`)).body.items;
        return kids.length === 1 && kids[0].status === 'waiting' ? kids[0].id : undefined;
      },
      'the child to wait on the worker',
      { timeoutMs: 30_000 },
    );
    const parked = await waitFor(
      async () => {
        const d = await statusOf(id);
        return d.status === 'waiting' ? d : undefined;
      },
      'the parent to be waiting',
      { timeoutMs: 30_000 },
    );
    assert.equal(parked.nodes.find((n: any) => n.nodeId === 'sub').status, 'waiting');

    const signal = await call('POST', `/api/v1/executions/${kidId}/signals/approve`, { payload: { by: 'ops' } });
    assert.equal(signal.status, 202, JSON.stringify(signal.body));
    const doc = await waitFor(
      async () => {
        const d = await statusOf(id);
        return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
      },
      'the parent to finish',
      { timeoutMs: 60_000 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.equal((await statusOf(kidId)).status, 'succeeded');
    assert.deepEqual(doc.outputs, { child: { approved: { by: 'ops', n: 3 } } });
    for (const c of procs.splice(0)) {
      c.kill('SIGTERM');
      assert.equal(await exitOf(c), 0);
    }
  });
});

/**
 * Queue mode, two `weft worker`s each running one execution at a time: the parent stays in memory
 * on one worker (another of its nodes runs) while its `workflow` node is parked on a child that
 * the other worker runs. The child's end in that other process wakes the parked node at once,
 * not when the parent's running node ends.
 */
describe('e2e: a parent in memory on one worker takes the end of its child run by another worker at once', function () {
  this.timeout(120_000);
  const { call, statusOf } = useQueueCluster(ADMIN_KEY, 2, 1);
  const nodeOf = (doc: any, id: string) => doc.nodes.find((n: any) => n.nodeId === id);

  it('ends the parked node and runs its downstream while the parent’s other node still runs', async () => {
    const kidWf = await call('POST', '/api/v1/workflows', {
      name: 'remote-child',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
      outputs: { by: '{{ nodes.approve.output.payload.by }}' },
    });
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', {
      name: 'resident-parent',
      nodes: [
        { id: 'sub', type: 'workflow', config: { workflowId: kidWf.body.id } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.sub.output }}' } },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000, value: 'slept' } } },
      ],
      edges: [{ from: 'sub', to: 'after' }],
      outputs: { child: '{{ nodes.after.output }}' },
    });
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, {});
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const id: string = run.body.executionId;
    const kidId: string = await waitFor(
      async () => {
        const kids = (await call('GET', `/api/v1/executions/${id}/children`)).body.items;
        const doc = await statusOf(id);
        return kids.length === 1 && kids[0].status === 'waiting' && nodeOf(doc, 'sub')?.status === 'waiting' ? kids[0].id : undefined;
      },
      'the child to wait and the parent’s node to park on it',
      { timeoutMs: 30_000 },
    );
    const signal = await call('POST', `/api/v1/executions/${kidId}/signals/approve`, { payload: { by: 'ops' } });
    assert.equal(signal.status, 202, JSON.stringify(signal.body));
    const doc = await waitFor(
      async () => {
        const d = await statusOf(id);
        return nodeOf(d, 'after')?.status === 'succeeded' ? d : undefined;
      },
      'the parked node’s downstream to run while `slow` still runs',
      { timeoutMs: 30_000 },
    );
    assert.equal(doc.status, 'running');
    assert.equal(nodeOf(doc, 'slow').status, 'running');
    assert.deepEqual(nodeOf(doc, 'sub').output, { by: 'ops' });
    assert.equal((await statusOf(kidId)).status, 'succeeded');
    const cancel = await call('POST', `/api/v1/executions/${id}/cancel`);
    assert.ok([200, 202].includes(cancel.status), JSON.stringify(cancel.body));
    await waitFor(async () => ((await statusOf(id)).status === 'cancelled' ? true : undefined), 'the parent to end', { timeoutMs: 30_000 });
  });
});
