import assert from 'node:assert/strict';
import { waitFor } from '../../support/wait-for';
import { stopSharedPostgres } from '../../support/postgres-server';
import { useMapParking } from '../../support/map-parking';
import { useWaitsRuntime } from '../../support/waits-runtime';

after(stopSharedPostgres);

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'partially_succeeded'];

/**
 * A `map` with a node-level `timeoutMs` parks on its waiting children with its attempt's deadline
 * (kept in the wait rows apart from their due time): a wake before it goes on with the same
 * deadline; at it the map takes the children that ended, cancels the others and fails with
 * `WF_NODE_TIMEOUT`, from the database or in place (the execution still runs another node).
 */
for (const dialect of ['sqlite', 'postgresql'] as const)
  describe(`a map with a node timeoutMs parked on its children (${dialect})`, function () {
    this.timeout(90_000);
    const m = useMapParking(dialect);
    const { get, node, children, ended, mapWorkflow, parkedWith, start, approve } = m;

    it('with a node timeoutMs parks with its deadline, keeps it across a wake, and at the deadline cancels the children and times out', async () => {
      const { id, doc } = await start(await mapWorkflow('map-park-node-timeout', { concurrency: 1 }, { timeoutMs: 6000 }), ['a', 'b']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const first = (await parkedWith(id, 1)).get(0)!;
      const knex = m.runtime.persistence!.executionStore.knex;
      const dueOf = async (kid: string) =>
        Number((await knex('weft_wait').where({ execution_id: id, child_execution_id: kid }).first())?.due_at);
      const deadline = await dueOf(first);
      assert.ok(deadline > Date.parse(node(doc, 'fan').startedAt), 'the wait row carries the attempt deadline');

      // item 0 ends: the map wakes, takes it, starts item 1 and parks again with the same deadline (not a fresh timeoutMs)
      await approve(first, { by: 'ops' });
      const second = await waitFor(async () => (await parkedWith(id, 1)).get(1), 'the map to park on item 1', { timeoutMs: 30_000 });
      assert.equal(await dueOf(second), deadline);

      // nobody approves item 1: at the deadline the map cancels it and fails with the node timeout
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const fan = node(done, 'fan');
      assert.equal(fan.error.code, 'WF_NODE_TIMEOUT', JSON.stringify(fan.error));
      assert.equal(fan.attempts, 1);
      assert.ok(Date.parse(fan.finishedAt) >= deadline, 'not before its deadline');
      assert.equal((await ended(second)).status, 'cancelled');
      assert.equal((await get(first)).status, 'succeeded');
      assert.deepEqual(await knex('weft_wait').where({ execution_id: id }), []);
    });

    it('an inline `workflow` template under a map with a node timeoutMs parks, and at the deadline the map cancels its children and times out', async () => {
      const parent = await m.api.createWorkflow({
        name: 'map-park-inline-node-timeout',
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              node: { type: 'workflow', config: { workflowId: m.child, inputs: { item: '{{ item }}' } }, retry: { maxAttempts: 3 } },
            },
            timeoutMs: 4000,
          },
        ],
      });
      const { id, doc } = await start(parent, ['a', 'b']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const kids = await parkedWith(id, 2);
      const knex = m.runtime.persistence!.executionStore.knex;
      const rows = await knex('weft_wait').where({ execution_id: id, kind: 'child' });
      assert.equal(rows.length, 2);
      assert.ok(
        rows.every((r: any) => Number(r.deadline_at) > 0 && Number(r.due_at) === Number(r.deadline_at)),
        JSON.stringify(rows),
      );
      await approve(kids.get(0)!, { by: 'ops' });
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const fan = node(done, 'fan');
      assert.equal(fan.error.code, 'WF_NODE_TIMEOUT', JSON.stringify(fan.error));
      assert.equal((await ended(kids.get(1)!)).status, 'cancelled');
      assert.equal((await get(kids.get(0)!)).status, 'succeeded');
      // no retry past the deadline: no child started only to be cancelled
      assert.equal((await children(id)).length, 2);
    });
  });

describe('a map with a node timeoutMs parked beside a running node (SQLite)', function () {
  this.timeout(60_000);
  const m = useWaitsRuntime('sqlite');
  const { get, node } = m;

  it('times a map with a node timeoutMs out in place while another node still runs, cancelling its children', async () => {
    const child = await m.api.createWorkflow({
      name: 'resident-map-deadline-child',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
    });
    const parent = await m.api.createWorkflow({
      name: 'resident-map-deadline-parent',
      nodes: [
        { id: 'fan', type: 'map', config: { items: [0, 1], workflow: { workflowId: child } }, timeoutMs: 4000 },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 8000, value: 'slept' } } },
      ],
    });
    const id = await m.startAsync(parent);
    // parked on its children (not holding them) until its deadline
    await m.whenDoc(id, (doc) => node(doc, 'fan')?.status === 'waiting', 'the map to park beside the running node');
    const done = await m.whenDoc(id, (doc) => TERMINAL.includes(doc.status), 'the parent to end');
    // the map's failure stops the execution (onError stop): the sleeping node was still running, so the deadline fired in place
    assert.equal(done.status, 'failed');
    assert.equal(node(done, 'fan').error.code, 'WF_NODE_TIMEOUT', JSON.stringify(node(done, 'fan').error));
    assert.equal(node(done, 'slow').status, 'cancelled');
    const kids = (await m.api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.equal(kids.length, 2);
    for (const k of kids)
      await waitFor(async () => ((await get(k.id)).status === 'cancelled' ? true : undefined), `child ${k.itemIndex} to be cancelled`);
  });
});
