import assert from 'node:assert/strict';
import { Tokens, type InProcessEventBus } from '../../core/index';
import { echoWorkflow, sleepWorkflow, startApi, type ApiHarness } from './support/api-harness';
import { readSse, readSseOnceOpen } from './support/sse-client';
import { waitFor } from '../support/wait-for';

describe('API execution events (SSE)', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi({ sseHeartbeatMs: 40 });
  });
  after(() => api.close());

  const eventsUrl = (id: string) => `${api.url}/api/v1/executions/${id}/events`;

  it('sends the snapshot first, then node events in seq order, the final execution event, and closes', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(250, 'sse-order'));
    const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    const id: string = started.body.executionId;
    const r = await readSse(eventsUrl(id), api.keys.viewer);
    assert.equal(r.status, 200);
    assert.match(r.contentType ?? '', /^text\/event-stream/);
    assert.ok(r.closedByServer, 'the server ends the stream after the execution ends');

    const [snapshot, ...rest] = r.events;
    assert.equal(snapshot!.event, 'snapshot');
    assert.equal(snapshot!.data.id, id);
    assert.ok(Array.isArray(snapshot!.data.nodes));

    const seqs = rest.map((e) => e.data.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'events in seq order',
    );
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
    for (const e of rest) assert.equal(e.id, String(e.data.seq), 'the SSE id is the seq');

    const last = rest[rest.length - 1]!;
    assert.equal(last.event, 'execution');
    assert.equal(last.data.status, 'succeeded');
    const nodeEvents = rest.filter((e) => e.event === 'node').map((e) => `${e.data.nodeId}:${e.data.status}`);
    // the stream opened while `a` was sleeping: at least its finish and all of `b` are live events
    assert.ok(nodeEvents.includes('a:succeeded'), nodeEvents.join(' '));
    assert.ok(nodeEvents.indexOf('a:succeeded') < nodeEvents.indexOf('b:succeeded'), nodeEvents.join(' '));
    assert.ok(r.comments >= 1, 'heartbeat comments while the node sleeps');
  });

  it('sends only the snapshot and closes for an execution that already finished; 204 for a reconnect', async () => {
    const wf = await api.createWorkflow(echoWorkflow('sse-done'));
    const done = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
    const r = await readSse(eventsUrl(done.body.id), api.keys.viewer);
    assert.equal(r.status, 200);
    assert.ok(r.closedByServer);
    assert.deepEqual(
      r.events.map((e) => e.event),
      ['snapshot'],
    );
    assert.equal(r.events[0]!.data.status, 'succeeded');
    const again = await readSse(eventsUrl(done.body.id), api.keys.viewer, { headers: { 'last-event-id': '7' } });
    assert.equal(again.status, 204);
    const head = await fetch(eventsUrl(done.body.id), { method: 'HEAD', headers: { authorization: `Bearer ${api.keys.viewer}` } });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /^text\/event-stream/);
  });

  it('404s unknown executions before opening a stream, and needs a key', async () => {
    const r = await api.request('GET', '/api/v1/executions/0190aaaa-0000-7000-8000-000000000000/events');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'WF_NOT_FOUND');
    assert.equal((await api.request('GET', '/api/v1/executions/x/events', { key: null })).status, 401);
  });

  it('stops listening when the client goes away, and server close ends open streams', async () => {
    const bus = api.kernel.get(Tokens.EventBus) as InProcessEventBus;
    const perExecution = () => (bus as unknown as { byExecution: Map<string, Set<unknown>> }).byExecution.size;
    const wf = await api.createWorkflow(sleepWorkflow(60_000, 'sse-leave'));
    const id = (await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} })).body.executionId;
    const before = perExecution();
    const r = await readSse(eventsUrl(id), api.keys.viewer, { leaveAfter: (e) => e.event === 'snapshot' });
    assert.equal(r.closedByServer, false);
    assert.equal(r.events[0]!.event, 'snapshot');
    await waitFor(() => perExecution() <= before, 'the stream to unsubscribe from the bus');

    const open = readSseOnceOpen(eventsUrl(id), api.keys.viewer, { timeoutMs: 10_000 });
    await open.opened;
    api.weft.close(); // what shutdown does before waiting for the server to close
    const ended = await open.result;
    assert.ok(ended.closedByServer, 'closing the app ends open streams');
    api.kernel.executor.cancel(id);
  });

  it('forwards token events and drops duplicate and late seqs; an execution event closes the stream', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(60_000, 'sse-tokens'));
    const id: string = (await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} })).body.executionId;
    const bus = api.kernel.get(Tokens.EventBus);
    const base = { executionId: id, workflowId: wf, at: new Date().toISOString() };
    let published = false;
    const r = await readSse(eventsUrl(id), api.keys.viewer, {
      onEvent(e) {
        if (e.event !== 'snapshot' || published) return;
        published = true;
        bus.publish({ ...base, kind: 'token', nodeId: 'a', attempt: 1, text: 'Hel', seq: 1000 });
        bus.publish({ ...base, kind: 'token', nodeId: 'a', attempt: 1, text: 'Hel', seq: 1000 });
        bus.publish({ ...base, kind: 'token', nodeId: 'a', attempt: 1, text: 'late', seq: 999 });
        bus.publish({ ...base, kind: 'token', nodeId: 'a', attempt: 1, text: 'lo', seq: 1001 });
        bus.publish({ ...base, kind: 'execution', status: 'cancelled', seq: 1002 });
        bus.publish({ ...base, kind: 'token', nodeId: 'a', attempt: 1, text: 'after the end', seq: 1003 });
      },
    });
    api.kernel.executor.cancel(id);
    assert.ok(r.closedByServer);
    const after = r.events.slice(1).filter((e) => e.data.seq >= 999);
    assert.deepEqual(
      after.map((e) => [e.event, e.data.seq, e.data.text ?? e.data.status]),
      [
        ['token', 1000, 'Hel'],
        ['token', 1001, 'lo'],
        ['execution', 1002, 'cancelled'],
      ],
    );
  });
  describe('an execution that another process runs', () => {
    let other: ApiHarness;
    before(async () => {
      other = await startApi({ sseHeartbeatMs: 40, sseStorePollMs: 50 });
    });
    after(() => other.close());

    it('does not read the store for an execution this process runs: its events say everything', async () => {
      const store = other.kernel.get(Tokens.ExecutionStore);
      const wf = await other.createWorkflow(sleepWorkflow(400, 'sse-local'));
      const id: string = (await other.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} })).body.executionId;
      const original = store.getExecution.bind(store);
      let reads = 0;
      store.getExecution = (executionId: string) => {
        if (executionId === id) reads++;
        return original(executionId);
      };
      try {
        const r = await readSse(`${other.url}/api/v1/executions/${id}/events`, other.keys.viewer);
        assert.ok(r.closedByServer);
        assert.equal(r.events[r.events.length - 1]!.event, 'execution');
        assert.equal(reads, 1, 'only the snapshot was read, though the stream stayed open through several poll intervals');
      } finally {
        store.getExecution = original;
      }
    });

    it('ends the stream from the store when no event of the end reaches this process', async () => {
      const store = other.kernel.get(Tokens.ExecutionStore);
      const wf = await other.createWorkflow(echoWorkflow('sse-elsewhere'));
      // recorded as running by "another process": this one runs nothing and publishes nothing
      const id = '0193aaaa-0000-7000-8000-00000000e1e1';
      await store.startExecution({
        id,
        workflowId: wf,
        workflowVersion: 1,
        trigger: 'api',
        inputs: {},
        startedAt: new Date().toISOString(),
      });
      const reading = readSseOnceOpen(`${other.url}/api/v1/executions/${id}/events`, other.keys.viewer, { timeoutMs: 5_000 });
      await reading.opened; // the stream has read its snapshot (running) and polls the store from now on
      await store.finishExecution(id, {
        status: 'succeeded',
        outputs: { done: true },
        error: null,
        finishedAt: new Date().toISOString(),
        durationMs: 200,
      });
      const r = await reading.result;
      assert.ok(r.closedByServer, 'the stream ends once the store says the execution ended');
      assert.deepEqual(
        r.events.map((e) => e.event),
        ['snapshot', 'snapshot', 'execution'],
      );
      assert.equal(r.events[0]!.data.status, 'running');
      assert.deepEqual([r.events[1]!.data.status, r.events[1]!.data.outputs], ['succeeded', { done: true }]);
      assert.equal(r.events[2]!.data.status, 'succeeded');
      assert.equal(r.events[2]!.id, String(r.events[2]!.data.seq));
    });
  });
});
