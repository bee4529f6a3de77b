import assert from 'node:assert/strict';
import { Tokens, type ExecutionEvent } from '../../core/index';
import { loadConfig } from '../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from './support/api-harness';
import { readSse, readSseOnceOpen } from './support/sse-client';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';

/** Live events (SSE) of executions that park and resume: numbering goes on, woken nodes and cancels are published. */
describe('API execution events of waiting executions (SSE, SQLite)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;
  let api: ApiHarness;

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel, sseHeartbeatMs: 40 });
  });
  after(async () => {
    await api.close();
    await runtime.close();
    tmp.remove();
  });

  const eventsUrl = (id: string) => `${api.url}/api/v1/executions/${id}/events`;

  function collect(): { events: ExecutionEvent[]; stop: () => void } {
    const events: ExecutionEvent[] = [];
    const stop = runtime.kernel.get(Tokens.EventBus).subscribe((e) => events.push(e));
    return { events, stop };
  }

  it('numbers events on after a resume, and publishes the woken node (live on the stream)', async () => {
    const wf = await api.createWorkflow({
      name: 'sse-resume',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 400 } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } },
      ],
      edges: [{ from: 'w', to: 'after' }],
    });
    const bus = collect();
    try {
      const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {}, key: api.keys.operator });
      const id: string = started.body.executionId;
      const r = await readSse(eventsUrl(id), api.keys.viewer, { timeoutMs: 20_000 });
      assert.ok(r.closedByServer, 'the stream ends with the execution');
      const mine = bus.events.filter((e) => e.executionId === id);
      const seqs = mine.map((e) => e.seq);
      for (let i = 1; i < seqs.length; i++)
        assert.ok(seqs[i]! > seqs[i - 1]!, `seqs strictly increase across the park and the resume: ${seqs.join(',')}`);
      const shown = (events: { kind?: string; nodeId?: string; status?: string }[]) =>
        events.map((e) => (e.kind === 'node' ? `${e.nodeId}:${e.status}` : `execution:${e.status}`));
      const all = shown(mine);
      assert.ok(all.indexOf('execution:waiting') < all.indexOf('w:succeeded'), all.join(' '));
      assert.ok(all.includes('after:succeeded'), all.join(' '));
      assert.equal(all[all.length - 1], 'execution:succeeded');
      // the stream carried the resumed run's events live, the woken node's among them
      const live = shown(r.events.filter((e) => e.event !== 'snapshot').map((e) => e.data));
      assert.ok(live.includes('w:succeeded'), live.join(' '));
      assert.ok(live.includes('after:succeeded'), live.join(' '));
      assert.equal(live[live.length - 1], 'execution:succeeded');
    } finally {
      bus.stop();
    }
  });

  it('publishes a parked execution cancel live: its waiting node, then the execution, numbered on', async () => {
    const wf = await api.createWorkflow({
      name: 'sse-cancel-parked',
      nodes: [{ id: 'w', type: 'wait', config: { signal: 'go' } }],
      edges: [],
    });
    const bus = collect();
    try {
      const run = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true }, key: api.keys.operator });
      assert.equal(run.body.status, 'waiting');
      const id: string = run.body.id;
      const lastBefore = Math.max(...bus.events.filter((e) => e.executionId === id).map((e) => e.seq));
      const stream = readSseOnceOpen(eventsUrl(id), api.keys.viewer, { timeoutMs: 20_000 });
      await stream.opened;
      const c = await api.request('POST', `/api/v1/executions/${id}/cancel`, {
        body: { reason: 'no longer needed' },
        key: api.keys.operator,
      });
      assert.equal(c.status, 202, c.text);
      const r = await stream.result;
      assert.ok(r.closedByServer);
      const live = r.events.filter((e) => e.event !== 'snapshot');
      assert.deepEqual(
        live.map((e) => (e.event === 'node' ? `${e.data.nodeId}:${e.data.status}` : `execution:${e.data.status}`)),
        ['w:cancelled', 'execution:cancelled'],
      );
      assert.deepEqual(
        live.map((e) => e.data.seq),
        [lastBefore + 1, lastBefore + 2],
      );
      assert.equal(live[1]!.data.error.type, 'CancelledError');
      await waitFor(
        async () => (await api.request('GET', `/api/v1/executions/${id}`)).body.status === 'cancelled' || undefined,
        'the cancel to be stored',
      );
    } finally {
      bus.stop();
    }
  });
});
