import assert from 'node:assert/strict';
import { useWaitsRuntime } from '../../support/waits-runtime';
import { waitFor } from '../../support/wait-for';
import { stopSharedPostgres } from '../../support/postgres-server';

after(stopSharedPostgres);

/**
 * DESIGN: "A `map` or `workflow` node whose running work all waits is `waiting` too", and a
 * waiting execution holds nothing in any process. A parent whose `workflow` node's child waits
 * parks on the child's end (weft serve in process, real SQLite and PostgreSQL): the child's end
 * wakes it.
 */
for (const dialect of ['sqlite', 'postgresql'] as const)
  describe(`a workflow node whose child waits parks the parent (${dialect})`, function () {
    this.timeout(60_000);
    const w = useWaitsRuntime(dialect);
    const { get, node, ended } = w;

    /** A child that waits for `approve`, then fails when the payload says so, else outputs the payload. */
    async function childWorkflow(name: string): Promise<string> {
      return w.api.createWorkflow({
        name,
        nodes: [
          { id: 'approve', type: 'wait', config: { signal: 'approve' } },
          {
            id: 'check',
            type: 'adapter',
            config: {
              transform: 'code',
              input: '{{ nodes.approve.output.payload }}',
              code: "if (input.reject) throw new Error('rejected by ' + input.by); return input;",
            },
          },
        ],
        edges: [{ from: 'approve', to: 'check' }],
        outputs: { approved: '{{ nodes.check.output }}' },
      });
    }

    async function parentWorkflow(name: string, child: string): Promise<string> {
      return w.api.createWorkflow({
        name,
        nodes: [
          { id: 'sub', type: 'workflow', config: { workflowId: child, inputs: { n: 1 } } },
          { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { got: '{{ nodes.sub.output }}' } } },
        ],
        edges: [{ from: 'sub', to: 'after' }],
        outputs: { got: '{{ nodes.after.output.got }}' },
      });
    }

    /** Starts the parent with `wait: true` (answers at its first `waiting`) and finds its child. */
    async function startParked(parent: string): Promise<{ id: string; doc: any; childId: string }> {
      const r = await w.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: { wait: true }, key: w.api.keys.operator });
      assert.equal(r.status, 200, r.text);
      const kids = await w.api.request('GET', `/api/v1/executions/${r.body.id}/children`);
      assert.equal(kids.body.items.length, 1, kids.text);
      return { id: r.body.id, doc: r.body, childId: kids.body.items[0].id };
    }

    it('parks the parent (node waiting, nothing running) and, on the signal to the child, ends it with the outputs', async () => {
      const parent = await parentWorkflow('parent-ok', await childWorkflow('child-ok'));
      const { id, doc, childId } = await startParked(parent);
      assert.equal(doc.status, 'waiting');
      assert.equal(node(doc, 'sub').status, 'waiting');
      assert.equal((await get(childId)).status, 'waiting');
      const stored = await get(id);
      assert.equal(stored.status, 'waiting');
      assert.equal(node(stored, 'sub').status, 'waiting');
      // neither runs: the parent holds no slot while the child waits
      assert.equal(w.runtime.kernel.executor.isActive(id), false);
      assert.equal(w.runtime.kernel.executor.activeCount, 0);

      // the child's end, recorded here, names the parent it made due (the poller is nudged for it)
      const due: string[] = [];
      const unsubscribe = w.runtime.persistence!.executionStore.onParentDue((parent) => due.push(parent));
      const s = await w.api.request('POST', `/api/v1/executions/${childId}/signals/approve`, { body: { payload: { by: 'ops' } } });
      assert.equal(s.status, 202, s.text);
      const kid = await ended(childId);
      assert.equal(kid.status, 'succeeded');
      await waitFor(async () => (due.includes(id) ? true : undefined), 'the parent to be reported due');
      unsubscribe();
      const done = await ended(id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.deepEqual(node(done, 'sub').output, { approved: { by: 'ops' } });
      assert.deepEqual(done.outputs, { got: { approved: { by: 'ops' } } });
      // the child's end was taken once: the node ran again once (re-attached), one child in all
      assert.equal((await w.api.request('GET', `/api/v1/executions/${id}/children`)).body.items.length, 1);
      assert.deepEqual(await w.runtime.persistence!.executionStore.knex('weft_wait').whereIn('execution_id', [id, childId]), []);
    });

    it('fails the parked node with WF_CHILD_FAILED naming the child when the child fails after its signal', async () => {
      const parent = await parentWorkflow('parent-fails', await childWorkflow('child-fails'));
      const { id, doc, childId } = await startParked(parent);
      assert.equal(doc.status, 'waiting');
      const s = await w.api.request('POST', `/api/v1/executions/${childId}/signals/approve`, {
        body: { payload: { reject: true, by: 'qa' } },
      });
      assert.equal(s.status, 202, s.text);
      assert.equal((await ended(childId)).status, 'failed');
      const done = await ended(id);
      assert.equal(done.status, 'failed');
      const sub = node(done, 'sub');
      assert.equal(sub.status, 'failed');
      assert.equal(sub.error.type, 'NodeExecutionError');
      assert.equal(sub.error.code, 'WF_CHILD_FAILED');
      assert.equal(sub.error.details.childExecutionId, childId);
      assert.ok(sub.error.message.includes(childId), sub.error.message);
      assert.match(sub.error.message, /rejected by qa/);
      assert.equal(node(done, 'after').status, 'skipped');
    });

    it('cancelling the waiting parent cancels its waiting child', async () => {
      const parent = await parentWorkflow('parent-cancel', await childWorkflow('child-cancel'));
      const { id, childId } = await startParked(parent);
      const c = await w.api.request('POST', `/api/v1/executions/${id}/cancel`, { key: w.api.keys.operator });
      assert.ok([200, 202].includes(c.status), c.text);
      const done = await ended(id);
      assert.equal(done.status, 'cancelled');
      assert.equal(node(done, 'sub').status, 'cancelled');
      const kid = await ended(childId);
      assert.equal(kid.status, 'cancelled');
      assert.match(kid.error.message, new RegExp(`parent execution ${id}`));
      assert.equal(node(kid, 'approve').status, 'cancelled');
      assert.equal((await w.api.request('POST', `/api/v1/executions/${childId}/signals/approve`, { body: {} })).status, 409);
    });

    it('wakes the parent when the child already ended as the parent parked (the park checks the child)', async () => {
      // the child's timer fires at once: it may end before, while or after the parent's node parks
      const child = await w.api.createWorkflow({
        name: 'child-quick-timer',
        nodes: [{ id: 't', type: 'wait', config: { durationMs: 1 } }],
        outputs: { fired: '{{ nodes.t.output.firedAt }}' },
      });
      const parent = await parentWorkflow('parent-race', child);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await w.api.request('POST', `/api/v1/workflows/${parent}/execute`, { body: {}, key: w.api.keys.operator });
        assert.equal(r.status, 202, r.text);
        ids.push(r.body.executionId);
      }
      for (const id of ids) {
        const done = await ended(id);
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        assert.equal(typeof done.outputs.got.fired, 'string');
      }
    });
  });

/**
 * A parent whose `workflow` node parked on its waiting child while another node of it still runs
 * stays in memory until that node ends, then parks; the child's end (made due meanwhile) wakes
 * it. Shutting down (drain) leaves the waiting child be: the resumed parent re-attaches to it.
 */
describe('a parent parked on a waiting child while another of its nodes runs (SQLite)', function () {
  this.timeout(60_000);
  const w = useWaitsRuntime('sqlite');
  const { get, node } = w;

  async function start(sleepMs: number): Promise<{ id: string; childId: string }> {
    const child = await w.api.createWorkflow({
      name: `resident-child-${sleepMs}`,
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
      outputs: { payload: '{{ nodes.approve.output.payload }}' },
    });
    const parent = await w.api.createWorkflow({
      name: `resident-parent-${sleepMs}`,
      nodes: [
        { id: 'sub', type: 'workflow', config: { workflowId: child } },
        { id: 'slow', type: 'tool', config: { tool: 'core.sleep', input: { ms: sleepMs, value: 'slept' } } },
      ],
      outputs: { child: '{{ nodes.sub.output }}', slow: '{{ nodes.slow.output }}' },
    });
    const id = await w.startAsync(parent);
    // the parent's node waits on the child while `slow` still runs: the parent stays `running`
    await w.whenDoc(
      id,
      (doc) => node(doc, 'sub')?.status === 'waiting' && node(doc, 'slow')?.status === 'running',
      'the workflow node to wait beside the running node',
    );
    const kids = (await w.api.request('GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.equal(kids.length, 1);
    assert.equal(kids[0].status, 'waiting');
    return { id, childId: kids[0].id };
  }

  it('takes the child’s end once the running node ended and the parent parked', async () => {
    const { id, childId } = await start(1500);
    assert.equal((await get(id)).status, 'running');
    const s = await w.api.request('POST', `/api/v1/executions/${childId}/signals/approve`, { body: { payload: 'yes' } });
    assert.equal(s.status, 202, s.text);
    const done = await waitFor(
      async () => {
        const doc = await get(id);
        return ['succeeded', 'failed', 'cancelled'].includes(doc.status) ? doc : undefined;
      },
      'the parent to end',
      { timeoutMs: 20_000 },
    );
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.deepEqual(done.outputs, { child: { payload: 'yes' }, slow: 'slept' });
  });

  it('leaves the waiting child be when weft shuts down (drain) with the parent still in memory', async () => {
    const { id, childId } = await start(60_000);
    await w.runtime.kernel.executor.drain(0);
    await w.runtime.persistence!.executionStore.flush();
    assert.equal(w.runtime.kernel.executor.isActive(id), false);
    const kid = await get(childId);
    assert.equal(kid.status, 'waiting', JSON.stringify(kid.error));
    assert.equal(node(kid, 'approve').status, 'waiting');
  });
});
