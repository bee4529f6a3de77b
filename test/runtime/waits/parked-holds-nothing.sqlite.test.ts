import assert from 'node:assert/strict';
import { Tokens } from '../../../core/index';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { makeTempDir } from '../../support/sqlite-temp';

const N = 40;

/**
 * Where in the object graph under `root` one of `ids` is still a key or value of a Map or Set
 * (or a plain string field): every map, set and field of the executor, the store, its claims and
 * ownership, the event bus and the wait poller is reached from the runtime. Paths, for the message.
 */
function referencesTo(root: unknown, ids: ReadonlySet<string>, maxDepth = 10): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  // breadth first: every object is reached by its shortest path, so the depth bound cuts nothing near the root
  let level: Array<[unknown, string]> = [[root, 'runtime']];
  for (let depth = 0; depth <= maxDepth && level.length; depth++) {
    const next: Array<[unknown, string]> = [];
    for (const [value, path] of level) {
      if (typeof value === 'string') {
        if (ids.has(value)) found.push(path);
        continue;
      }
      if (value === null || typeof value !== 'object' || seen.has(value)) continue;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) continue;
      seen.add(value);
      if (value instanceof Map) {
        for (const [k, v] of value) next.push([k, `${path}<key>`], [v, `${path}[${String(k).slice(0, 40)}]`]);
      } else if (value instanceof Set || Array.isArray(value)) {
        let i = 0;
        for (const v of value) next.push([v, `${path}[${i++}]`]);
      } else {
        for (const key of Object.keys(value)) {
          try {
            next.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
          } catch {
            // a getter that throws holds nothing we could read
          }
        }
      }
    }
    level = next;
  }
  return found;
}

/** Timers and other handles the process holds, by kind. */
function handleCount(kind: string): number {
  return process.getActiveResourcesInfo().filter((k) => k === kind).length;
}

/**
 * DESIGN: "A waiting execution holds no executor slot, no worker and no memory in any process:
 * its state is the database rows". After N executions park, no map or set reachable from the
 * runtime (executor, store, claims, ownership, event bus, poller) names any of them, and no timer
 * is left armed for them (a resident timer of a node that waited beside a running one included).
 */
describe('a parked execution leaves nothing in the process (SQLite)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    runtime.startWaits();
  });
  after(async () => {
    await runtime.close();
    tmp.remove();
  });

  it('no map, set or timer of the runtime keeps the ids of parked executions', async () => {
    const { kernel } = runtime;
    const workflows = kernel.get(Tokens.WorkflowStore);
    const onSignal = await workflows.create({
      name: 'parks-on-signal',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        { id: 'done', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.approve.output.payload }}' } },
      ],
      edges: [{ from: 'approve', to: 'done' }],
    });
    // the timer waits while `work` still runs: it is armed in process, then the execution parks
    const beside = await workflows.create({
      name: 'timer-beside-a-running-node',
      nodes: [
        { id: 'later', type: 'wait', config: { durationMs: 3_600_000 } },
        { id: 'work', type: 'tool', config: { tool: 'core.echo', input: 'x' } },
      ],
    });
    const timersBefore = handleCount('Timeout');
    const ids = new Set<string>();
    for (let i = 0; i < N; i++) {
      const saved = i % 2 ? onSignal : beside;
      // the way the API starts one (admitted under the concurrency limits, with a claim on it)
      const d = await kernel
        .get(Tokens.ExecutionDispatcher)
        .dispatch(saved.definition, { workflowId: saved.id, workflowVersion: saved.version, trigger: 'api' });
      assert.ok(d.done, 'runs in this process');
      assert.equal((await d.done).status, 'waiting');
      ids.add(d.executionId);
    }
    await runtime.persistence!.executionStore.flush();
    assert.equal(kernel.executor.activeCount, 0);
    assert.deepEqual(referencesTo(runtime, ids), []);
    // a few timers come and go (poller, heartbeat); one per parked execution would be N more
    assert.ok(handleCount('Timeout') < timersBefore + N / 2, `timers: ${timersBefore} before, ${handleCount('Timeout')} after`);
  });

  it('nor of parents parked on waiting children (a workflow node whose child waits), nor of those children', async () => {
    const { kernel } = runtime;
    const workflows = kernel.get(Tokens.WorkflowStore);
    const child = await workflows.create({
      name: 'child-parks-on-signal',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
    });
    const parent = await workflows.create({
      name: 'parent-of-a-waiting-child',
      nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: child.id } }],
    });
    const timersBefore = handleCount('Timeout');
    const ids = new Set<string>();
    const store = runtime.persistence!.executionStore;
    for (let i = 0; i < N / 2; i++) {
      const d = await kernel
        .get(Tokens.ExecutionDispatcher)
        .dispatch(parent.definition, { workflowId: parent.id, workflowVersion: parent.version, trigger: 'api' });
      assert.ok(d.done, 'runs in this process');
      assert.equal((await d.done).status, 'waiting');
      ids.add(d.executionId);
      const [kid] = (await store.listChildren(d.executionId, { limit: 10 })).items;
      assert.equal(kid?.status, 'waiting');
      ids.add(kid.id);
    }
    await store.flush();
    assert.equal(kernel.executor.activeCount, 0);
    assert.deepEqual(referencesTo(runtime, ids), []);
    assert.ok(handleCount('Timeout') < timersBefore + N / 4, `timers: ${timersBefore} before, ${handleCount('Timeout')} after`);
  });
  it('nor of parents whose map parked on its waiting children, nor of those children', async () => {
    const { kernel } = runtime;
    const workflows = kernel.get(Tokens.WorkflowStore);
    const child = await workflows.create({
      name: 'map-child-parks-on-signal',
      nodes: [{ id: 'approve', type: 'wait', config: { signal: 'approve' } }],
    });
    const parent = await workflows.create({
      name: 'map-parent-of-waiting-children',
      nodes: [{ id: 'fan', type: 'map', config: { items: [1, 2, 3], workflow: { workflowId: child.id } } }],
    });
    const timersBefore = handleCount('Timeout');
    const ids = new Set<string>();
    const store = runtime.persistence!.executionStore;
    for (let i = 0; i < N / 4; i++) {
      const d = await kernel
        .get(Tokens.ExecutionDispatcher)
        .dispatch(parent.definition, { workflowId: parent.id, workflowVersion: parent.version, trigger: 'api' });
      assert.ok(d.done, 'runs in this process');
      const doc = await d.done;
      assert.equal(doc.status, 'waiting');
      assert.equal(doc.nodes.find((n) => n.nodeId === 'fan')?.status, 'waiting');
      ids.add(d.executionId);
      const kids = (await store.listChildren(d.executionId, { limit: 10 })).items;
      assert.deepEqual(
        kids.map((k) => k.status),
        ['waiting', 'waiting', 'waiting'],
      );
      for (const k of kids) ids.add(k.id);
    }
    await store.flush();
    assert.equal(kernel.executor.activeCount, 0);
    assert.deepEqual(referencesTo(runtime, ids), []);
    assert.ok(handleCount('Timeout') < timersBefore + N / 4, `timers: ${timersBefore} before, ${handleCount('Timeout')} after`);
  });
});
