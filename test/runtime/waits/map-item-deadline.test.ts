import assert from 'node:assert/strict';
import { waitFor } from '../../support/wait-for';
import { stopSharedPostgres } from '../../support/postgres-server';
import { useMapParking } from '../../support/map-parking';
import { pruneExecutions } from '../../../runtime/persistence/execution-retention';

after(stopSharedPostgres);

/**
 * A map whose inline template is a `workflow` node with a `timeoutMs` (and `retry`) of its own
 * parks on its items' children: each item keeps its attempt's deadline across wakes (the wait rows
 * are due at it, a `parked` row in `map_item` keeps it), the map wakes by itself at the earliest
 * one and times that item out (its child cancelled), and an item woken on its retry attempt 2 goes
 * on with attempt 2's child instead of starting over at attempt 1.
 */
for (const dialect of ['sqlite', 'postgresql'] as const)
  describe(`a map's inline workflow items park with their own deadline and attempt (${dialect})`, function () {
    this.timeout(90_000);
    const m = useMapParking(dialect);
    const { get, node, children, ended, parkedWith, approve } = m;
    const knex = () => m.runtime.persistence!.executionStore.knex;

    /** A map `fan` over `inputs.list` whose inline template runs the waiting child, with `template` (timeoutMs, retry) and map `config`. */
    const inlineMap = (name: string, template: Record<string, unknown>, config: Record<string, unknown> = {}) =>
      m.api.createWorkflow({
        name,
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              node: { type: 'workflow', config: { workflowId: m.child, inputs: { item: '{{ item }}' } }, ...template },
              ...config,
            },
          },
        ],
        outputs: { fan: '{{ nodes.fan.output }}' },
      });
    /** Starts an execution without waiting for it (an old map holding its children never becomes `waiting`). */
    const launch = async (workflowId: string, list: unknown[]): Promise<string> => {
      const r = await m.api.request('POST', `/api/v1/workflows/${workflowId}/execute`, {
        body: { inputs: { list } },
        key: m.api.keys.operator,
      });
      assert.equal(r.status, 202, r.text);
      return r.body.executionId as string;
    };
    /** The parent's `child` wait rows by child id: due time and the map's deadline. */
    const waitRows = async (id: string) =>
      new Map<string, { due: number | null; deadline: number | null }>(
        (await knex()('weft_wait').where({ execution_id: id, kind: 'child' })).map((r: any) => [
          String(r.child_execution_id),
          { due: r.due_at === null ? null : Number(r.due_at), deadline: r.deadline_at === null ? null : Number(r.deadline_at) },
        ]),
      );
    /** The `map_item` rows of `fan` by item index (status and, parked, the state kept). */
    const itemRows = async (id: string) =>
      new Map<number, { status: string; parked: any }>(
        (await knex()('map_item').where({ execution_id: id, node_id: 'fan' })).map((r: any) => [
          Number(r.item_index),
          { status: String(r.status), parked: r.status === 'parked' ? JSON.parse(String(r.output)) : null },
        ]),
      );

    it('parks with each item’s own deadline, keeps it across a wake by another item, and a signal before it finishes the item', async () => {
      const id = await launch(await inlineMap('inline-item-deadline', { timeoutMs: 60_000 }), ['a', 'b']);
      const kids = await parkedWith(id, 2);
      // parked, not held: nothing of the execution runs in the process
      assert.equal(m.runtime.kernel.executor.isActive(id), false);
      const fan = node(await get(id), 'fan');
      const rows = await waitRows(id);
      const items = await itemRows(id);
      const deadlines = [0, 1].map((i) => items.get(i)?.parked?.deadlineAt as number);
      for (const i of [0, 1]) {
        assert.equal(items.get(i)!.status, 'parked');
        assert.equal(items.get(i)!.parked.attempt, 1);
        assert.ok(deadlines[i]! > Date.parse(fan.startedAt), `item ${i}: its attempt's deadline is after the map started`);
        // the map has no deadline of its own: its wait wakes it at its items' earliest deadline, without timing it out
        assert.deepEqual(rows.get(kids.get(i)!), { due: Math.min(...deadlines), deadline: null });
      }

      // item 0's child ends: the map wakes, takes it, re-attaches item 1 and parks again with item 1's same deadline
      await approve(kids.get(0)!, { by: 'ops' });
      await waitFor(async () => ((await itemRows(id)).get(0)?.status === 'succeeded' ? true : undefined), 'item 0 to be recorded');
      await parkedWith(id, 1);
      assert.equal(m.runtime.kernel.executor.isActive(id), false);
      assert.deepEqual((await waitRows(id)).get(kids.get(1)!), { due: deadlines[1], deadline: null });
      assert.equal((await itemRows(id)).get(1)!.parked.deadlineAt, deadlines[1]);

      await approve(kids.get(1)!, { by: 'qa' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs.fan, { items: [{ got: { item: 'a', by: 'ops' } }, { got: { item: 'b', by: 'qa' } }], failed: [] });
      assert.equal((await children(id)).length, 2);
      assert.deepEqual(await knex()('weft_wait').where({ execution_id: id }), []);
    });

    it('past an item’s deadline the map wakes by itself, cancels that item’s child and collects WF_NODE_TIMEOUT (continue)', async () => {
      const id = await launch(await inlineMap('inline-item-timeout', { timeoutMs: 6000 }, { onItemFailure: 'continue' }), ['a', 'b']);
      const kids = await parkedWith(id, 2);
      const deadline = (await itemRows(id)).get(1)!.parked.deadlineAt as number;
      await approve(kids.get(0)!, { by: 'ops' });
      // parked on item 1's child alone: no child's end is left to wake it, only item 1's deadline
      await waitFor(async () => ((await itemRows(id)).get(0)?.status === 'succeeded' ? true : undefined), 'item 0 to be recorded');
      await parkedWith(id, 1);
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      const out = done.outputs.fan;
      assert.deepEqual(out.items, [{ got: { item: 'a', by: 'ops' } }, null]);
      assert.equal(out.failed.length, 1);
      assert.equal(out.failed[0].index, 1);
      assert.equal(out.failed[0].error.code, 'WF_NODE_TIMEOUT', JSON.stringify(out.failed[0].error));
      assert.equal(out.failed[0].error.details.childExecutionId, kids.get(1));
      assert.equal((await ended(kids.get(1)!)).status, 'cancelled');
      assert.ok(Date.parse(node(done, 'fan').finishedAt) >= deadline, 'not before the item’s deadline');
      assert.equal((await children(id)).length, 2);
    });

    it('past an item’s deadline its retry starts a new child (a new attempt), which the map parks on with a new deadline', async () => {
      const retry = { maxAttempts: 2, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: false };
      const id = await launch(await inlineMap('inline-item-timeout-retry', { timeoutMs: 4000, retry }), ['a']);
      const first = (await parkedWith(id, 1)).get(0)!;
      const deadline = (await itemRows(id)).get(0)!.parked.deadlineAt as number;
      // at the deadline: the first child is cancelled, attempt 2 starts the second, and the map parks on it
      const second = await waitFor(
        async () => {
          const parked = (await itemRows(id)).get(0)?.parked;
          if (parked?.attempt !== 2) return undefined;
          const kid = (await parkedWith(id, 1)).get(0);
          return kid !== first ? { kid: kid!, parked } : undefined;
        },
        'the map to park on the item’s second attempt',
        { timeoutMs: 30_000 },
      );
      assert.equal((await ended(first)).status, 'cancelled');
      assert.ok(second.parked.deadlineAt > deadline, 'attempt 2 has a deadline of its own');
      assert.deepEqual(
        second.parked.attemptErrors.map((e: any) => [e.attempt, e.code]),
        [[1, 'WF_NODE_TIMEOUT']],
      );
      assert.deepEqual((await waitRows(id)).get(second.kid), { due: second.parked.deadlineAt, deadline: null });
      await approve(second.kid, { by: 'ops' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs.fan.items, [{ got: { item: 'a', by: 'ops' } }]);
      assert.equal((await children(id)).length, 2);
    });

    it('an item woken on its retry attempt 2 goes on with attempt 2’s child, not from attempt 1 again', async () => {
      const retry = { maxAttempts: 3, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: false, retryOn: ['NodeExecutionError'] };
      const id = await launch(await inlineMap('inline-item-retry-wake', { retry }), ['a', 'b']);
      const kids = await parkedWith(id, 2);
      const a1 = kids.get(0)!;
      // item 0's first child fails: the map wakes, item 0 retries into a second child and the map parks again
      await approve(a1, { reject: true, by: 'qa' });
      const a2 = await waitFor(
        async () => {
          const parked = await parkedWith(id, 2);
          return parked.get(0) !== a1 ? parked.get(0) : undefined;
        },
        'item 0 to park on its second child',
        { timeoutMs: 30_000 },
      );
      assert.equal((await get(a1)).status, 'failed');
      const parked = (await itemRows(id)).get(0)!;
      assert.equal(parked.status, 'parked');
      assert.equal(parked.parked.attempt, 2);
      assert.deepEqual(
        parked.parked.attemptErrors.map((e: any) => [e.attempt, e.code]),
        [[1, 'WF_CHILD_FAILED']],
      );
      // retention prunes the failed first child: a woken item that started over at attempt 1 would start it afresh
      await pruneExecutions(knex(), new Date(Date.now() + 1000));
      assert.equal((await m.api.request('GET', `/api/v1/executions/${a1}`)).status, 404);

      // item 1's child ends: the map wakes a second time, item 0 re-attaches to its second child
      await approve(kids.get(1)!, { by: 'ops' });
      await waitFor(async () => ((await itemRows(id)).get(1)?.status === 'succeeded' ? true : undefined), 'item 1 to be recorded');
      const again = await parkedWith(id, 1);
      assert.equal(again.get(0), a2);
      assert.deepEqual((await children(id)).map((k) => k.id).sort(), [a2, kids.get(1)].sort(), 'no child started on the second wake');
      assert.equal((await itemRows(id)).get(0)!.parked.attempt, 2);

      await approve(a2, { by: 'ops2' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs.fan.items, [{ got: { item: 'a', by: 'ops2' } }, { got: { item: 'b', by: 'ops' } }]);
    });
  });

/**
 * A parent whose map parked beside a node that still runs stays in memory: its items' earliest
 * deadline fires there (not when the parent parks), and the map times that item out in place.
 */
describe('a map’s inline workflow item deadline beside a running node (SQLite)', function () {
  this.timeout(60_000);
  const m = useMapParking('sqlite');
  const { get, node } = m;

  it('times the item out in place at its deadline, cancelling its child, while the other node still runs', async () => {
    const parent = await m.api.createWorkflow({
      name: 'resident-item-deadline',
      nodes: [
        {
          id: 'fan',
          type: 'map',
          config: {
            items: ['a'],
            onItemFailure: 'continue',
            node: { type: 'workflow', config: { workflowId: m.child, inputs: { item: '{{ item }}' } }, timeoutMs: 3000 },
          },
        },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 10_000, value: 'slept' } } },
      ],
    });
    const id = await m.startAsync(parent);
    await m.whenDoc(id, (doc) => node(doc, 'fan')?.status === 'waiting', 'the map to park beside the running node');
    const inPlace = await m.whenDoc(id, (doc) => node(doc, 'fan')?.status === 'succeeded', 'the map to time its item out');
    assert.equal(inPlace.status, 'running');
    assert.equal(node(inPlace, 'slow').status, 'running');
    const failed = node(inPlace, 'fan').output.failed;
    assert.equal(failed.length, 1);
    assert.equal(failed[0].error.code, 'WF_NODE_TIMEOUT', JSON.stringify(failed[0]));
    const kid = failed[0].error.details.childExecutionId as string;
    await waitFor(async () => ((await get(kid)).status === 'cancelled' ? true : undefined), 'the item’s child to be cancelled');
    // the sleeping node is not what this test waits for
    const c = await m.api.request('POST', `/api/v1/executions/${id}/cancel`, { key: m.api.keys.operator });
    assert.ok([200, 202].includes(c.status), c.text);
    assert.equal(node(await m.ended(id), 'fan').status, 'succeeded');
  });
});
