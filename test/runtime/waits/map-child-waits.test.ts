import assert from 'node:assert/strict';
import { FlakyServer } from '../../support/flaky-server';
import { waitFor } from '../../support/wait-for';
import { stopSharedPostgres } from '../../support/postgres-server';
import { useMapParking } from '../../support/map-parking';
import { useWaitsRuntime } from '../../support/waits-runtime';

after(stopSharedPostgres);

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'partially_succeeded'];

/**
 * DESIGN: "A `map` or `workflow` node whose running work all waits is `waiting` too", and a
 * waiting execution holds no executor slot and no memory. A map in workflow mode whose children
 * all wait parks on them (weft serve in process, real SQLite and PostgreSQL); any child's end
 * wakes it, its next run takes the recorded items, re-attaches to the children in flight and
 * starts the next items.
 */
for (const dialect of ['sqlite', 'postgresql'] as const)
  describe(`a map whose children wait parks the parent (${dialect})`, function () {
    this.timeout(90_000);
    const m = useMapParking(dialect);
    const { get, node, children, ended, mapWorkflow, parkedWith, start, approve } = m;

    it('parks on 3 waiting children (nothing held), and their signals end it with the results in item order', async () => {
      const { id, doc } = await start(await mapWorkflow('map-park', {}), ['a', 'b', 'c']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      assert.equal(node(doc, 'fan').status, 'waiting');
      const kids = await parkedWith(id, 3);
      // the parent runs nowhere: no slot, nothing active
      assert.equal(m.runtime.kernel.executor.isActive(id), false);
      assert.equal(m.runtime.kernel.executor.activeCount, 0);
      const rows = await m.runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id, kind: 'child' });
      assert.deepEqual(rows.map((r: any) => r.child_execution_id).sort(), [...kids.values()].sort());

      // the last item first: each end wakes the map, which takes it and parks again on the rest
      await approve(kids.get(2)!, { by: 'c-ops' });
      await waitFor(async () => ((await get(kids.get(2)!)).status === 'succeeded' ? true : undefined), 'child 2 to end');
      await parkedWith(id, 2);
      await approve(kids.get(0)!, { by: 'a-ops' });
      await approve(kids.get(1)!, { by: 'b-ops' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs.fan, {
        items: [{ got: { item: 'a', by: 'a-ops' } }, { got: { item: 'b', by: 'b-ops' } }, { got: { item: 'c', by: 'c-ops' } }],
        failed: [],
      });
      const fan = node(done, 'fan');
      assert.equal(fan.attempts, 1);
      assert.equal(fan.startedAt, node(doc, 'fan').startedAt, 'the woken node keeps the start of its run');
      // re-attached, never started again: one child per item
      assert.equal((await children(id)).length, 3);
      assert.deepEqual(await m.runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id }), []);
    });

    it('parks an inline `workflow` template the same way (each item its own child)', async () => {
      const parent = await m.api.createWorkflow({
        name: 'map-park-inline',
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              concurrency: 2,
              node: { type: 'workflow', config: { workflowId: m.child, inputs: { item: '{{ item }}' } } },
            },
          },
        ],
        outputs: { fan: '{{ nodes.fan.output }}' },
      });
      const { id, doc } = await start(parent, ['a', 'b', 'c']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      let kids = await parkedWith(id, 2);
      assert.equal(m.runtime.kernel.executor.isActive(id), false);
      await approve(kids.get(0)!, { by: 'x' });
      await approve(kids.get(1)!, { by: 'y' });
      for (const i of [0, 1])
        await waitFor(async () => ((await get(kids.get(i)!)).status === 'succeeded' ? true : undefined), `child ${i}`);
      kids = await parkedWith(id, 1);
      assert.deepEqual([...kids.keys()], [2]);
      await approve(kids.get(2)!, { by: 'z' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs.fan.items, [
        { got: { item: 'a', by: 'x' } },
        { got: { item: 'b', by: 'y' } },
        { got: { item: 'c', by: 'z' } },
      ]);
      assert.equal((await children(id)).length, 3);
    });

    it('fails the map with WF_CHILD_FAILED for the failing item (fail) and cancels the children still waiting', async () => {
      const { id, doc } = await start(await mapWorkflow('map-park-fail', {}), ['a', 'b', 'c']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const kids = await parkedWith(id, 3);
      await approve(kids.get(1)!, { reject: true, by: 'qa' });
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const fan = node(done, 'fan');
      assert.equal(fan.status, 'failed');
      assert.equal(fan.error.code, 'WF_CHILD_FAILED');
      assert.equal(fan.error.details.index, 1);
      assert.equal(fan.error.details.childExecutionId, kids.get(1));
      assert.match(fan.error.message, /rejected b/);
      for (const i of [0, 2]) {
        const kid = await ended(kids.get(i)!);
        assert.equal(kid.status, 'cancelled', `child ${i}`);
      }
    });

    it('collects the failing item and goes on (continue)', async () => {
      const { id } = await start(await mapWorkflow('map-park-continue', { onItemFailure: 'continue' }), ['a', 'b', 'c']);
      const kids = await parkedWith(id, 3);
      await approve(kids.get(1)!, { reject: true, by: 'qa' });
      await waitFor(async () => ((await get(kids.get(1)!)).status === 'failed' ? true : undefined), 'child 1 to fail');
      await parkedWith(id, 2);
      await approve(kids.get(0)!, { by: 'x' });
      await approve(kids.get(2)!, { by: 'z' });
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      const out = done.outputs.fan;
      assert.deepEqual(out.items, [{ got: { item: 'a', by: 'x' } }, null, { got: { item: 'c', by: 'z' } }]);
      assert.equal(out.failed.length, 1);
      assert.equal(out.failed[0].index, 1);
      assert.equal(out.failed[0].error.code, 'WF_CHILD_FAILED');
      assert.equal(out.failed[0].error.details.childExecutionId, kids.get(1));
    });

    it('cancelling the parked parent cancels every waiting child', async () => {
      const { id } = await start(await mapWorkflow('map-park-cancel', {}), ['a', 'b', 'c']);
      const kids = await parkedWith(id, 3);
      const c = await m.api.request('POST', `/api/v1/executions/${id}/cancel`, { key: m.api.keys.operator });
      assert.ok([200, 202].includes(c.status), c.text);
      const done = await ended(id);
      assert.equal(done.status, 'cancelled');
      assert.equal(node(done, 'fan').status, 'cancelled');
      for (const kidId of kids.values()) {
        const kid = await ended(kidId);
        assert.equal(kid.status, 'cancelled');
        assert.match(kid.error.message, new RegExp(`parent execution ${id}`));
      }
    });

    it('its workflow timeout ends the parked parent and cancels every waiting child', async () => {
      const parent = await m.api.createWorkflow({
        name: 'map-park-deadline',
        nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', workflow: { workflowId: m.child } } }],
        settings: { timeoutMs: 1000 },
      });
      const { id } = await start(parent, ['a', 'b']);
      const kids = await parkedWith(id, 2);
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error.code, 'WF_WORKFLOW_TIMEOUT');
      for (const kidId of kids.values()) {
        const kid = await ended(kidId);
        assert.equal(kid.status, 'cancelled');
        assert.match(kid.error.message, new RegExp(`parent execution ${id}`));
      }
    });

    it('keeps concurrency 2 over 5 waiting items: parks, wakes, starts the next (peak measured from the children)', async () => {
      const list = ['a', 'b', 'c', 'd', 'e'];
      const { id, doc } = await start(await mapWorkflow('map-park-window', { concurrency: 2 }), list);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const signalled = new Set<number>();
      while (signalled.size < list.length) {
        // every round: parked on exactly the two children in the window, then one of them ends
        const kids = await parkedWith(id, Math.min(2, list.length - signalled.size));
        const [index, kidId] = [...kids].find(([i]) => !signalled.has(i))!;
        signalled.add(index);
        await approve(kidId, { by: `ops-${index}` });
        await waitFor(async () => (TERMINAL.includes((await get(kidId)).status) ? true : undefined), `child ${index} to end`);
      }
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(
        done.outputs.fan.items,
        list.map((item, i) => ({ got: { item, by: `ops-${i}` } })),
      );
      const kids = await children(id);
      assert.equal(kids.length, 5);
      // the peak of children alive at once, from their own start and end times
      const points = kids.flatMap((k) => [
        { t: Date.parse(k.startedAt), d: 1 },
        { t: Date.parse(k.finishedAt), d: -1 },
      ]);
      points.sort((x, y) => x.t - y.t || x.d - y.d);
      let alive = 0;
      let peak = 0;
      for (const p of points) peak = Math.max(peak, (alive += p.d));
      assert.equal(peak, 2);
    });

    it('goes on with the attempt that parked when woken (re-attaches, starts no new child)', async () => {
      // the first request fails: attempt 1's first child fails and the node retries; attempt 2 parks
      const flaky = await FlakyServer.start({ failures: 1, failStatus: 400 });
      try {
        const kid = await m.api.createWorkflow({
          name: 'flaky-then-approve',
          nodes: [
            { id: 'get', type: 'tool', config: { tool: 'http.request', input: { url: `${flaky.url}/{{ inputs.index }}` } } },
            { id: 'approve', type: 'wait', config: { signal: 'approve' } },
          ],
          edges: [{ from: 'get', to: 'approve' }],
          outputs: { by: '{{ nodes.approve.output.payload.by }}' },
        });
        const parent = await m.api.createWorkflow({
          name: 'map-park-retry',
          nodes: [
            {
              id: 'fan',
              type: 'map',
              config: { items: '{{ inputs.list }}', concurrency: 1, workflow: { workflowId: kid } },
              retry: { maxAttempts: 2, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: false, retryOn: ['NodeExecutionError'] },
            },
          ],
          outputs: { fan: '{{ nodes.fan.output }}' },
        });
        const { id, doc } = await start(parent, ['a']);
        assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
        const parked = node(doc, 'fan');
        assert.equal(parked.attempts, 2);
        const kids = await children(id);
        assert.equal(kids.length, 2);
        const waiting = kids.find((k) => k.status === 'waiting');
        assert.ok(waiting, JSON.stringify(kids));
        await approve(waiting.id, { by: 'ops' });
        const done = await ended(id);
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        assert.deepEqual(done.outputs.fan.items, [{ by: 'ops' }]);
        const fan = node(done, 'fan');
        assert.equal(fan.attempts, 2);
        // only attempt 1's failure (kept from before the park): the woken run did not start over
        assert.deepEqual(
          fan.attemptErrors.map((e: any) => [e.attempt, e.code]),
          [[1, 'WF_CHILD_FAILED']],
        );
        assert.equal(fan.startedAt, parked.startedAt);
        assert.equal((await children(id)).length, 2);
      } finally {
        await flaky.close();
      }
    });
  });

/**
 * A parent whose map parked on its waiting children while another node of it still runs stays in
 * memory; a child's end is taken at once there (the map runs again in place), not when the
 * parent parks.
 */
describe('a map parked on its children beside a running node (SQLite)', function () {
  this.timeout(60_000);
  const m = useWaitsRuntime('sqlite');
  const { get, node } = m;

  it('takes the children’s ends while the other node still runs', async () => {
    const child = await m.api.createWorkflow({
      name: 'resident-map-child',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
      outputs: { by: '{{ nodes.approve.output.payload }}' },
    });
    const parent = await m.api.createWorkflow({
      name: 'resident-map-parent',
      nodes: [
        { id: 'fan', type: 'map', config: { items: [0, 1], workflow: { workflowId: child } } },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 8000, value: 'slept' } } },
      ],
      outputs: { fan: '{{ nodes.fan.output.items }}', slow: '{{ nodes.slow.output }}' },
    });
    const id = await m.startAsync(parent);
    const kids: any[] = await waitFor(
      async () => {
        const doc = await get(id);
        if (node(doc, 'fan')?.status !== 'waiting') return undefined;
        const items = (await m.api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
        return items.length === 2 && items.every((k: any) => k.status === 'waiting') ? items : undefined;
      },
      'the map to wait beside the running node',
      { timeoutMs: 20_000 },
    );
    for (const k of kids) {
      const s = await m.api.request('POST', `/api/v1/executions/${k.id}/signals/approve`, { body: { payload: `ok-${k.itemIndex}` } });
      assert.equal(s.status, 202, s.text);
    }
    const inPlace = await m.whenDoc(id, (doc) => node(doc, 'fan')?.status === 'succeeded', 'the map to take its children’s ends');
    assert.equal(inPlace.status, 'running');
    assert.equal(node(inPlace, 'slow').status, 'running');
    const done = await waitFor(
      async () => {
        const doc = await get(id);
        return TERMINAL.includes(doc.status) ? doc : undefined;
      },
      'the parent to end',
      { timeoutMs: 30_000 },
    );
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.deepEqual(done.outputs, { fan: [{ by: 'ok-0' }, { by: 'ok-1' }], slow: 'slept' });
    assert.deepEqual(await m.runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id }), []);
  });
});
