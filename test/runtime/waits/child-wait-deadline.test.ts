import assert from 'node:assert/strict';
import { useWaitsRuntime } from '../../support/waits-runtime';
import { waitFor } from '../../support/wait-for';
import { stopSharedPostgres } from '../../support/postgres-server';

after(stopSharedPostgres);

/**
 * DESIGN: "A `map` or `workflow` node whose running work all waits is `waiting` too", "a waiting
 * execution holds no executor slot, no worker and no memory in any process", "The workflow's
 * `settings.timeoutMs` counts waiting time". A `workflow` node with a node-level `timeoutMs`
 * parks on its waiting child with a deadline (its attempt's): the child's end or the deadline,
 * whichever first, wakes it; past the deadline the node fails with `TimeoutError` (its retry
 * policy applies: a new attempt, a new child) and the child is cancelled. A woken node keeps its
 * attempt and its first start. A parent still in memory takes its child's end at once.
 */
for (const dialect of ['sqlite', 'postgresql'] as const)
  describe(`a workflow node parked on its child: deadlines, attempts, resident wakes (${dialect})`, function () {
    this.timeout(60_000);
    const w = useWaitsRuntime(dialect);
    const { get, node, children, ended, waitRows } = w;

    const signalChild = { id: 'approve', type: 'wait', config: { signal: 'approve' } };
    const childWorkflow = (name: string) =>
      w.api.createWorkflow({ name, nodes: [signalChild], outputs: { payload: '{{ nodes.approve.output.payload }}' } });

    /** A parent: `sub` (a workflow node with `extra` node settings), then `after`; plus `more` nodes beside. */
    function parentWorkflow(name: string, child: string, extra: object, more: object[] = [], settings?: object): Promise<string> {
      return w.api.createWorkflow({
        name,
        ...(settings ? { settings } : {}),
        nodes: [
          { id: 'sub', type: 'workflow', config: { workflowId: child }, ...extra },
          { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { got: '{{ nodes.sub.output }}' } } },
          ...more,
        ],
        edges: [{ from: 'sub', to: 'after' }],
        outputs: { got: '{{ nodes.after.output.got }}' },
      });
    }

    /** Starts the parent with `wait: true`: it must answer `waiting` (the node parked, the parent let go of everything). */
    async function startParked(parent: string): Promise<{ id: string; doc: any }> {
      const r = await w.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true }, key: w.api.keys.operator });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.status, 'waiting', JSON.stringify(r.body.error));
      assert.equal(node(r.body, 'sub').status, 'waiting');
      assert.equal(w.runtime.kernel.executor.isActive(r.body.id), false);
      return { id: r.body.id, doc: r.body };
    }

    /** Starts the parent; resolves once `sub` waits while `slow` still runs (the parent stays in memory). */
    async function startResident(parent: string): Promise<string> {
      const id = await w.startAsync(parent);
      await w.whenDoc(
        id,
        (doc) => node(doc, 'sub')?.status === 'waiting' && node(doc, 'slow')?.status === 'running',
        'the workflow node to wait beside the running node',
      );
      return id;
    }

    const slow = { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000, value: 'slept' } } };

    it('parks a workflow node that has a node timeoutMs; the child’s end wakes it on its attempt, with its first start', async () => {
      const parent = await parentWorkflow('deadline-ok-parent', await childWorkflow('deadline-ok-child'), { timeoutMs: 60_000 });
      const { id, doc } = await startParked(parent);
      const startedAt: string = node(doc, 'sub').startedAt;
      assert.equal(typeof startedAt, 'string');
      const [kid] = await children(id);
      assert.equal(kid.status, 'waiting');
      // the wake comes later than the node's start: a restarted node would show the later time
      await waitFor(async () => (Date.now() > Date.parse(startedAt) + 20 ? true : undefined), 'the clock to move on');
      const s = await w.api.request('POST', `/api/v1/executions/${kid.id}/signals/approve`, { body: { payload: 'yes' } });
      assert.equal(s.status, 202, s.text);
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs, { got: { payload: 'yes' } });
      const sub = node(done, 'sub');
      assert.equal(sub.attempts, 1);
      assert.equal(sub.startedAt, startedAt);
      assert.ok(sub.durationMs >= 20, String(sub.durationMs));
      assert.equal((await children(id)).length, 1);
      assert.deepEqual(await waitRows([id, kid.id]), []);
    });

    it('fails the parked node with TimeoutError at its deadline and cancels the child', async () => {
      const parent = await parentWorkflow('deadline-pass-parent', await childWorkflow('deadline-pass-child'), { timeoutMs: 300 });
      const { id } = await startParked(parent);
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const sub = node(done, 'sub');
      assert.equal(sub.status, 'failed');
      assert.equal(sub.error.type, 'TimeoutError');
      assert.equal(sub.error.code, 'WF_NODE_TIMEOUT');
      assert.equal(sub.attempts, 1);
      assert.equal(node(done, 'after').status, 'skipped');
      const [kid] = await children(id);
      const child = await ended(kid.id);
      assert.equal(child.status, 'cancelled');
      assert.equal(node(child, 'approve').status, 'cancelled');
      assert.deepEqual(await waitRows([id, kid.id]), []);
    });

    it('retries a timed-out attempt with a new child; woken on attempt 2, the node stays attempt 2 and takes that child', async () => {
      const childId = await childWorkflow('deadline-retry-child');
      const parent = await parentWorkflow('deadline-retry-parent', childId, {
        timeoutMs: 2_000,
        retry: { maxAttempts: 2, initialDelayMs: 1 },
      });
      const { id, doc } = await startParked(parent);
      const startedAt: string = node(doc, 'sub').startedAt;
      // the second attempt's child is the next version: a timer that ends well within the deadline
      const v2 = await w.api.request('PUT', `/api/v1/workflows/${childId}`, {
        body: {
          name: 'deadline-retry-child',
          nodes: [{ id: 'approve', type: 'wait', config: { durationMs: 300 } }],
          outputs: { payload: '{{ nodes.approve.output.firedAt }}' },
        },
      });
      assert.equal(v2.status, 200, v2.text);
      // attempt 1 times out (its child cancelled), attempt 2 parks on a new child
      const kids = await waitFor(
        async () => {
          const k = await children(id);
          return k.length === 2 ? k : undefined;
        },
        'the second attempt’s child',
        { timeoutMs: 20_000 },
      );
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      const sub = node(done, 'sub');
      assert.equal(sub.attempts, 2);
      assert.equal(sub.startedAt, startedAt);
      assert.equal(sub.attemptErrors?.[0]?.type, 'TimeoutError', JSON.stringify(sub));
      assert.equal(sub.attemptErrors[0].code, 'WF_NODE_TIMEOUT');
      assert.equal(typeof done.outputs.got.payload, 'string');
      assert.equal((await ended(kids[0].id)).status, 'cancelled');
      assert.equal((await ended(kids[1].id)).status, 'succeeded');
      assert.equal((await children(id)).length, 2);
      assert.deepEqual(await waitRows([id, kids[0].id, kids[1].id]), []);
    });

    it('a parent still in memory takes its child’s end at once: the parked node and its downstream end while another node runs', async () => {
      const parent = await parentWorkflow('resident-take-parent', await childWorkflow('resident-take-child'), {}, [slow]);
      const id = await startResident(parent);
      const [kid] = await children(id);
      const s = await w.api.request('POST', `/api/v1/executions/${kid.id}/signals/approve`, { body: { payload: 'now' } });
      assert.equal(s.status, 202, s.text);
      const doc = await waitFor(
        async () => {
          const d = await get(id);
          return node(d, 'after')?.status === 'succeeded' ? d : undefined;
        },
        'the woken node’s downstream to run while `slow` still runs',
        { timeoutMs: 20_000 },
      );
      assert.equal(doc.status, 'running');
      assert.equal(node(doc, 'slow').status, 'running');
      assert.equal(node(doc, 'sub').status, 'succeeded');
      assert.deepEqual(node(doc, 'after').output, { got: { payload: 'now' } });
      assert.deepEqual(await waitRows([id]), []);
      await w.api.request('POST', `/api/v1/executions/${id}/cancel`, { key: w.api.keys.operator });
      assert.equal((await ended(id)).status, 'cancelled');
    });

    it('a parent still in memory times its parked node out at the deadline and cancels the child', async () => {
      const parent = await parentWorkflow('resident-deadline-parent', await childWorkflow('resident-deadline-child'), { timeoutMs: 400 }, [
        slow,
      ]);
      const id = await startResident(parent);
      const [kid] = await children(id);
      // the node's failure stops the parent (the default failure policy), long before `slow` could end
      const doc = await ended(id);
      assert.equal(doc.status, 'failed');
      const sub = node(doc, 'sub');
      assert.equal(sub.status, 'failed');
      assert.equal(sub.error.type, 'TimeoutError');
      assert.equal(sub.error.code, 'WF_NODE_TIMEOUT');
      assert.equal(node(doc, 'slow').status, 'cancelled');
      assert.equal((await ended(kid.id)).status, 'cancelled');
      assert.deepEqual(await waitRows([id, kid.id]), []);
    });

    it('parks a workflow node standing in as a fallback; the child’s end recovers the failed node', async () => {
      const child = await childWorkflow('fallback-child');
      const parent = await w.api.createWorkflow({
        name: 'fallback-parent',
        nodes: [
          {
            id: 'first',
            type: 'adapter',
            config: { transform: 'code', input: {}, code: "throw new Error('first failed')" },
            fallback: 'rescue',
          },
          { id: 'rescue', type: 'workflow', config: { workflowId: child }, timeoutMs: 60_000 },
          { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { got: '{{ nodes.first.output }}' } } },
        ],
        edges: [{ from: 'first', to: 'after' }],
        outputs: { got: '{{ nodes.after.output.got }}' },
      });
      const r = await w.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true }, key: w.api.keys.operator });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.status, 'waiting', JSON.stringify(r.body.error));
      assert.equal(node(r.body, 'first').status, 'waiting');
      assert.equal(node(r.body, 'rescue').status, 'waiting');
      const id: string = r.body.id;
      assert.equal(w.runtime.kernel.executor.isActive(id), false);
      const [kid] = await children(id);
      assert.equal(kid.parentNodeId, 'rescue');
      const s = await w.api.request('POST', `/api/v1/executions/${kid.id}/signals/approve`, { body: { payload: 'rescued' } });
      assert.equal(s.status, 202, s.text);
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(done.outputs, { got: { payload: 'rescued' } });
      const first = node(done, 'first');
      assert.equal(first.status, 'failed');
      assert.equal(first.recoveredBy, 'rescue');
      assert.match(first.error.message, /first failed/);
      const rescue = node(done, 'rescue');
      assert.equal(rescue.status, 'succeeded');
      assert.equal(rescue.fallbackFor, 'first');
      assert.equal((await children(id)).length, 1);
      assert.deepEqual(await waitRows([id, kid.id]), []);
    });

    it('ends a parked parent failed with WF_WORKFLOW_TIMEOUT when its settings.timeoutMs passes, and cancels the child', async () => {
      const parent = await parentWorkflow('workflow-timeout-parent', await childWorkflow('workflow-timeout-child'), {}, [], {
        timeoutMs: 400,
      });
      const { id } = await startParked(parent);
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error.type, 'TimeoutError');
      assert.equal(done.error.code, 'WF_WORKFLOW_TIMEOUT');
      assert.equal(node(done, 'sub').status, 'cancelled');
      const [kid] = await children(id);
      const child = await ended(kid.id);
      assert.equal(child.status, 'cancelled');
      assert.match(child.error.message, new RegExp(`parent execution ${id}`));
      assert.deepEqual(await waitRows([id, kid.id]), []);
      assert.equal(w.runtime.kernel.executor.activeCount, 0);
    });
  });
