import assert from 'node:assert/strict';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from '../../api/support/api-harness';
import { FlakyServer } from '../../support/flaky-server';
import { makeTempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';
import { postgresUrlOrSkip, stopSharedPostgres } from '../../support/postgres-server';

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
    let tmp: ReturnType<typeof makeTempDir>;
    let runtime: BuiltRuntime;
    let api: ApiHarness;
    let child: string;

    before(async function () {
      const databaseUrl = dialect === 'postgresql' ? await postgresUrlOrSkip(this) : undefined;
      tmp = makeTempDir();
      const env: Record<string, string> = { WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' };
      if (databaseUrl) env.DATABASE_URL = databaseUrl;
      runtime = await buildRuntime(loadConfig(env));
      runtime.startWaits();
      api = await startApi({ kernel: runtime.kernel });
      // waits for `approve`, then fails when the payload says so, else outputs the item and the payload
      child = await api.createWorkflow({
        name: 'approve-item',
        nodes: [
          { id: 'approve', type: 'wait', config: { signal: 'approve' } },
          {
            id: 'check',
            type: 'adapter',
            config: {
              transform: 'code',
              input: { payload: '{{ nodes.approve.output.payload }}', item: '{{ inputs.item }}' },
              code: "if (input.payload.reject) throw new Error('rejected ' + input.item); return { item: input.item, by: input.payload.by };",
            },
          },
        ],
        edges: [{ from: 'approve', to: 'check' }],
        outputs: { got: '{{ nodes.check.output }}' },
      });
    });
    after(async () => {
      await api?.close();
      await runtime?.close();
      tmp?.remove();
    });

    async function mapWorkflow(name: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
      return api.createWorkflow({
        name,
        nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', workflow: { workflowId: child }, ...config }, ...extra }],
        outputs: { fan: '{{ nodes.fan.output }}' },
      });
    }

    const get = async (id: string): Promise<any> => (await api.request('GET', `/api/v1/executions/${id}`)).body;
    const node = (doc: any, id: string) => doc.nodes.find((n: any) => n.nodeId === id);
    const children = async (id: string): Promise<any[]> => (await api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
    function ended(id: string): Promise<any> {
      return waitFor(
        async () => {
          const doc = await get(id);
          return TERMINAL.includes(doc.status) ? doc : undefined;
        },
        `execution ${id} to end`,
        { timeoutMs: 30_000 },
      );
    }
    async function signal(childId: string, payload: unknown): Promise<void> {
      const s = await api.request('POST', `/api/v1/executions/${childId}/signals/approve`, { body: { payload } });
      assert.equal(s.status, 202, s.text);
    }
    /** The parent `waiting` with its map node `waiting`, and its children by item index once `count` of them wait. */
    async function parkedWith(id: string, count: number): Promise<Map<number, string>> {
      return waitFor(
        async () => {
          const doc = await get(id);
          if (doc.status !== 'waiting' || node(doc, 'fan')?.status !== 'waiting') return undefined;
          const kids = await children(id);
          const waiting = kids.filter((k) => k.status === 'waiting');
          return waiting.length === count ? new Map(waiting.map((k) => [k.itemIndex as number, k.id as string])) : undefined;
        },
        `the parent to park on ${count} waiting children`,
        { timeoutMs: 30_000 },
      );
    }
    async function start(workflowId: string, list: unknown[]): Promise<{ id: string; doc: any }> {
      const r = await api.request('POST', `/api/v1/workflows/${workflowId}/execute`, {
        body: { wait: true, inputs: { list } },
        key: api.keys.operator,
      });
      assert.equal(r.status, 200, r.text);
      return { id: r.body.id, doc: r.body };
    }

    it('parks on 3 waiting children (nothing held), and their signals end it with the results in item order', async () => {
      const { id, doc } = await start(await mapWorkflow('map-park', {}), ['a', 'b', 'c']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      assert.equal(node(doc, 'fan').status, 'waiting');
      const kids = await parkedWith(id, 3);
      // the parent runs nowhere: no slot, nothing active
      assert.equal(runtime.kernel.executor.isActive(id), false);
      assert.equal(runtime.kernel.executor.activeCount, 0);
      const rows = await runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id, kind: 'child' });
      assert.deepEqual(rows.map((r: any) => r.child_execution_id).sort(), [...kids.values()].sort());

      // the last item first: each end wakes the map, which takes it and parks again on the rest
      await signal(kids.get(2)!, { by: 'c-ops' });
      await waitFor(async () => ((await get(kids.get(2)!)).status === 'succeeded' ? true : undefined), 'child 2 to end');
      await parkedWith(id, 2);
      await signal(kids.get(0)!, { by: 'a-ops' });
      await signal(kids.get(1)!, { by: 'b-ops' });
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
      assert.deepEqual(await runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id }), []);
    });

    it('parks an inline `workflow` template the same way (each item its own child)', async () => {
      const parent = await api.createWorkflow({
        name: 'map-park-inline',
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              concurrency: 2,
              node: { type: 'workflow', config: { workflowId: child, inputs: { item: '{{ item }}' } } },
            },
          },
        ],
        outputs: { fan: '{{ nodes.fan.output }}' },
      });
      const { id, doc } = await start(parent, ['a', 'b', 'c']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      let kids = await parkedWith(id, 2);
      assert.equal(runtime.kernel.executor.isActive(id), false);
      await signal(kids.get(0)!, { by: 'x' });
      await signal(kids.get(1)!, { by: 'y' });
      for (const i of [0, 1])
        await waitFor(async () => ((await get(kids.get(i)!)).status === 'succeeded' ? true : undefined), `child ${i}`);
      kids = await parkedWith(id, 1);
      assert.deepEqual([...kids.keys()], [2]);
      await signal(kids.get(2)!, { by: 'z' });
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
      await signal(kids.get(1)!, { reject: true, by: 'qa' });
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
      await signal(kids.get(1)!, { reject: true, by: 'qa' });
      await waitFor(async () => ((await get(kids.get(1)!)).status === 'failed' ? true : undefined), 'child 1 to fail');
      await parkedWith(id, 2);
      await signal(kids.get(0)!, { by: 'x' });
      await signal(kids.get(2)!, { by: 'z' });
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
      const c = await api.request('POST', `/api/v1/executions/${id}/cancel`, { key: api.keys.operator });
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
      const parent = await api.createWorkflow({
        name: 'map-park-deadline',
        nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', workflow: { workflowId: child } } }],
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

    it('with a node timeoutMs parks with its deadline, keeps it across a wake, and at the deadline cancels the children and times out', async () => {
      const { id, doc } = await start(await mapWorkflow('map-park-node-timeout', { concurrency: 1 }, { timeoutMs: 6000 }), ['a', 'b']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const first = (await parkedWith(id, 1)).get(0)!;
      const knex = runtime.persistence!.executionStore.knex;
      const dueOf = async (kid: string) =>
        Number((await knex('weft_wait').where({ execution_id: id, child_execution_id: kid }).first())?.due_at);
      const deadline = await dueOf(first);
      assert.ok(deadline > Date.parse(node(doc, 'fan').startedAt), 'the wait row carries the attempt deadline');

      // item 0 ends: the map wakes, takes it, starts item 1 and parks again with the same deadline (not a fresh timeoutMs)
      await signal(first, { by: 'ops' });
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
      const parent = await api.createWorkflow({
        name: 'map-park-inline-node-timeout',
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              node: { type: 'workflow', config: { workflowId: child, inputs: { item: '{{ item }}' } }, retry: { maxAttempts: 3 } },
            },
            timeoutMs: 4000,
          },
        ],
      });
      const { id, doc } = await start(parent, ['a', 'b']);
      assert.equal(doc.status, 'waiting', JSON.stringify(doc.error));
      const kids = await parkedWith(id, 2);
      const knex = runtime.persistence!.executionStore.knex;
      const rows = await knex('weft_wait').where({ execution_id: id, kind: 'child' });
      assert.equal(rows.length, 2);
      assert.ok(
        rows.every((r: any) => Number(r.deadline_at) > 0 && Number(r.due_at) === Number(r.deadline_at)),
        JSON.stringify(rows),
      );
      await signal(kids.get(0)!, { by: 'ops' });
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const fan = node(done, 'fan');
      assert.equal(fan.error.code, 'WF_NODE_TIMEOUT', JSON.stringify(fan.error));
      assert.equal((await ended(kids.get(1)!)).status, 'cancelled');
      assert.equal((await get(kids.get(0)!)).status, 'succeeded');
      // no retry past the deadline: no child started only to be cancelled
      assert.equal((await children(id)).length, 2);
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
        await signal(kidId, { by: `ops-${index}` });
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
        const kid = await api.createWorkflow({
          name: 'flaky-then-approve',
          nodes: [
            { id: 'get', type: 'tool', config: { tool: 'http.request', input: { url: `${flaky.url}/{{ inputs.index }}` } } },
            { id: 'approve', type: 'wait', config: { signal: 'approve' } },
          ],
          edges: [{ from: 'get', to: 'approve' }],
          outputs: { by: '{{ nodes.approve.output.payload.by }}' },
        });
        const parent = await api.createWorkflow({
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
        await signal(waiting.id, { by: 'ops' });
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
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;
  let api: ApiHarness;

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel });
  });
  after(async () => {
    await api?.close();
    await runtime?.close();
    tmp?.remove();
  });

  const get = async (id: string): Promise<any> => (await api.request('GET', `/api/v1/executions/${id}`)).body;
  const node = (doc: any, id: string) => doc.nodes.find((n: any) => n.nodeId === id);

  it('takes the children’s ends while the other node still runs', async () => {
    const child = await api.createWorkflow({
      name: 'resident-map-child',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
      outputs: { by: '{{ nodes.approve.output.payload }}' },
    });
    const parent = await api.createWorkflow({
      name: 'resident-map-parent',
      nodes: [
        { id: 'fan', type: 'map', config: { items: [0, 1], workflow: { workflowId: child } } },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 8000, value: 'slept' } } },
      ],
      outputs: { fan: '{{ nodes.fan.output.items }}', slow: '{{ nodes.slow.output }}' },
    });
    const r = await api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: {}, key: api.keys.operator });
    assert.equal(r.status, 202, r.text);
    const id: string = r.body.executionId;
    const kids: any[] = await waitFor(
      async () => {
        const doc = await get(id);
        if (node(doc, 'fan')?.status !== 'waiting') return undefined;
        const items = (await api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
        return items.length === 2 && items.every((k: any) => k.status === 'waiting') ? items : undefined;
      },
      'the map to wait beside the running node',
      { timeoutMs: 20_000 },
    );
    for (const k of kids) {
      const s = await api.request('POST', `/api/v1/executions/${k.id}/signals/approve`, { body: { payload: `ok-${k.itemIndex}` } });
      assert.equal(s.status, 202, s.text);
    }
    const inPlace = await waitFor(
      async () => {
        const doc = await get(id);
        return node(doc, 'fan')?.status === 'succeeded' ? doc : undefined;
      },
      'the map to take its children’s ends',
      { timeoutMs: 20_000 },
    );
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
    assert.deepEqual(await runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id }), []);
  });

  it('times a map with a node timeoutMs out in place while another node still runs, cancelling its children', async () => {
    const child = await api.createWorkflow({
      name: 'resident-map-deadline-child',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
    });
    const parent = await api.createWorkflow({
      name: 'resident-map-deadline-parent',
      nodes: [
        { id: 'fan', type: 'map', config: { items: [0, 1], workflow: { workflowId: child } }, timeoutMs: 4000 },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 8000, value: 'slept' } } },
      ],
    });
    const r = await api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: {}, key: api.keys.operator });
    assert.equal(r.status, 202, r.text);
    const id: string = r.body.executionId;
    // parked on its children (not holding them) until its deadline
    await waitFor(
      async () => (node(await get(id), 'fan')?.status === 'waiting' ? true : undefined),
      'the map to park beside the running node',
      { timeoutMs: 20_000 },
    );
    const done = await waitFor(
      async () => {
        const doc = await get(id);
        return TERMINAL.includes(doc.status) ? doc : undefined;
      },
      'the parent to end',
      { timeoutMs: 20_000 },
    );
    // the map's failure stops the execution (onError stop): the sleeping node was still running, so the deadline fired in place
    assert.equal(done.status, 'failed');
    assert.equal(node(done, 'fan').error.code, 'WF_NODE_TIMEOUT', JSON.stringify(node(done, 'fan').error));
    assert.equal(node(done, 'slow').status, 'cancelled');
    const kids = (await api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.equal(kids.length, 2);
    for (const k of kids)
      await waitFor(async () => ((await get(k.id)).status === 'cancelled' ? true : undefined), `child ${k.itemIndex} to be cancelled`);
  });
});
