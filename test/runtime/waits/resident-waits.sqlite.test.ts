import assert from 'node:assert/strict';
import { defineNodeType, definePlugin } from '../../../core';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from '../../api/support/api-harness';
import { makeTempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';

/**
 * Resident waits: a wait beside a node that still runs fires in process, on time, rather than
 * when the other node ends and the execution parks. A `gate` node holds until the test opens
 * it, so "on time" is shown by order (the waiting branch ends while the gate still holds), not
 * by a timing threshold.
 */
describe('resident waits on SQLite (a wait beside a running node fires in process)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;
  let api: ApiHarness;
  const gates = new Map<string, () => void>();

  const gatePlugin = definePlugin({
    id: 'test.gate',
    version: '1.0.0',
    register(reg) {
      reg.addNodeType(
        defineNodeType<{ name: string }>({
          type: 'gate',
          configSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false },
          create: () => ({
            execute: (config, ctx) =>
              new Promise((resolve, reject) => {
                gates.set(config.name, () => resolve({ opened: config.name }));
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
              }),
          }),
        }),
      );
    },
  });

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }), { extraPlugins: [gatePlugin] });
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel });
  });
  after(async () => {
    for (const open of gates.values()) open();
    await api.close();
    await runtime.close();
    tmp.remove();
  });

  const node = (doc: any, id: string) => doc.nodes.find((n: any) => n.nodeId === id);
  const get = async (id: string) => (await api.request('GET', `/api/v1/executions/${id}`)).body;

  async function start(definition: object): Promise<string> {
    const wf = await api.createWorkflow(definition);
    const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {}, key: api.keys.operator });
    assert.equal(r.status, 202, r.text);
    return r.body.executionId;
  }

  function ended(id: string): Promise<any> {
    return waitFor(async () => {
      const doc = await get(id);
      return ['succeeded', 'failed', 'cancelled', 'partially_succeeded'].includes(doc.status) ? doc : undefined;
    }, `execution ${id} to end`);
  }

  it('fires a timer beside a node that still runs, and its downstream runs, before that node ends', async () => {
    const id = await start({
      name: 'resident-timer',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 200 } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { fired: '{{ nodes.w.output.firedAt }}' } } },
        { id: 'slow', type: 'gate', config: { name: 'slow' } },
      ],
      edges: [{ from: 'w', to: 'after' }],
    });
    const doc = await waitFor(async () => {
      const d = await get(id);
      return node(d, 'after')?.status === 'succeeded' ? d : undefined;
    }, 'the waiting branch to end while the gate holds');
    assert.equal(doc.status, 'running');
    assert.equal(node(doc, 'slow').status, 'running');
    assert.equal(node(doc, 'w').status, 'succeeded');
    assert.ok(Date.parse(node(doc, 'w').output.firedAt) >= Date.parse(node(doc, 'w').startedAt) + 200);
    // the wait's row went with its end: nothing is left for the poller to fire a second time
    const rows = await runtime.persistence!.executionStore.knex('weft_wait').where({ execution_id: id });
    assert.deepEqual(rows, []);
    gates.get('slow')!();
    const done = await ended(id);
    assert.equal(done.status, 'succeeded');
    assert.equal(node(done, 'after').output.fired, node(done, 'w').output.firedAt);
  });

  it('fails a signal wait past its timeoutMs in process while another node runs', async () => {
    const id = await start({
      name: 'resident-signal-timeout',
      nodes: [
        { id: 'w', type: 'wait', config: { signal: 'go', timeoutMs: 200 } },
        { id: 'slow', type: 'gate', config: { name: 'slow2' } },
      ],
      edges: [],
    });
    const doc = await waitFor(async () => {
      const d = await get(id);
      return node(d, 'w')?.status === 'failed' ? d : undefined;
    }, 'the signal wait to time out while the gate holds');
    assert.equal(node(doc, 'w').error.type, 'TimeoutError');
    assert.equal(node(doc, 'w').error.code, 'WF_SIGNAL_TIMEOUT');
    gates.get('slow2')?.();
    const done = await ended(id);
    assert.equal(done.status, 'failed');
  });

  it('keeps the waits of a resumed execution in process: a later timer fires while the woken branch runs', async () => {
    const id = await start({
      name: 'resident-after-resume',
      nodes: [
        { id: 'first', type: 'wait', config: { durationMs: 50 } },
        { id: 'slow', type: 'gate', config: { name: 'slow3' } },
        { id: 'second', type: 'wait', config: { durationMs: 1500 } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } },
      ],
      edges: [
        { from: 'first', to: 'slow' },
        { from: 'second', to: 'after' },
      ],
    });
    // the first timer wakes the parked execution; the gate then holds while the second is still due
    await waitFor(() => gates.has('slow3'), 'the woken branch to run');
    const doc = await waitFor(async () => {
      const d = await get(id);
      return node(d, 'after')?.status === 'succeeded' ? d : undefined;
    }, 'the second timer to fire while the gate holds');
    assert.equal(node(doc, 'slow').status, 'running');
    gates.get('slow3')!();
    assert.equal((await ended(id)).status, 'succeeded');
  });
});
