import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from '../../api/support/api-harness';
import { postgresUrlOrSkip } from '../../support/postgres-server';
import { waitFor } from '../../support/wait-for';
import { Tokens } from '../../../core/di/tokens';
import type { ExecutionEvent } from '../../../core/events/execution-event';
import { callApi, exitOf, startServe, startWeft, weftEnv, type WeftProcess } from '../../support/weft-process';

interface Run {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  priority?: number;
  concurrencyKey?: string;
  inputs: Record<string, unknown>;
}

/** A workflow that sleeps `ms` (or `inputs.ms`) under `concurrency`. */
function limited(name: string, ms: number, concurrency: object): object {
  return {
    name,
    variables: { ms },
    settings: { concurrency },
    nodes: [{ id: 'nap', type: 'tool', config: { tool: 'core.sleep', input: { ms: '{{ variables.ms }}', value: '{{ inputs.tag }}' } } }],
  };
}

/** The most executions whose [startedAt, finishedAt) intervals overlap at one instant (from the stored records). */
function maxOverlap(runs: Run[]): number {
  const events: Array<[number, number]> = [];
  for (const r of runs) {
    assert.ok(r.startedAt && r.finishedAt, `execution ${r.id} has both times (${r.status})`);
    events.push([Date.parse(r.startedAt), 1], [Date.parse(r.finishedAt), -1]);
  }
  // an end at the same millisecond as a start comes first: the slot was freed, then taken
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

type Call = (method: string, p: string, body?: unknown) => Promise<{ status: number; body: any }>;

async function allFinished(call: Call, workflowId: string, count: number): Promise<Run[]> {
  return waitFor(
    async () => {
      const r = await call('GET', `/api/v1/workflows/${workflowId}/executions?limit=100`);
      const items = r.body.items as Run[];
      return items.length === count && items.every((e) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(e.status)) && items;
    },
    `${count} executions of ${workflowId} to finish`,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

/** The suite, on one dialect: `open` builds a runtime (serve's composition) with the API. */
function concurrencySuite(dialect: string, open: () => Promise<{ api: ApiHarness; runtime: BuiltRuntime }>): void {
  describe(`per-workflow concurrency and priority (${dialect})`, function () {
    this.timeout(120_000);
    let api: ApiHarness;
    let runtime: BuiltRuntime;
    let call: Call;

    before(async function () {
      ({ api, runtime } = await open.call(this));
      call = async (method, p, body) => {
        const r = await api.request(method, p, body === undefined ? {} : { body });
        return { status: r.status, body: r.body };
      };
    });
    after(async () => {
      await api?.close();
      await runtime?.close();
    });

    it('never runs more than `limit` executions at once: 20 executions with limit 2', async () => {
      const wf = await api.createWorkflow(limited('conc-limit-2', 60, { limit: 2 }));
      const accepted = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: i } })),
      );
      for (const a of accepted) assert.equal(a.status, 202);
      assert.ok(
        accepted.some((a) => a.body.status === 'pending'),
        'some executions were held back',
      );
      const runs = await allFinished(call, wf, 20);
      assert.ok(runs.every((r) => r.status === 'succeeded'));
      assert.equal(maxOverlap(runs), 2);
      assert.ok(runs.every((r) => r.concurrencyKey === '' && r.priority === 5));
    });

    it('applies the limit per rendered key: two keys run side by side, each alone', async () => {
      const wf = await api.createWorkflow(limited('conc-keyed', 150, { limit: 1, key: 'customer-{{ inputs.customer }}' }));
      for (let i = 0; i < 3; i++) {
        for (const customer of ['a', 'b'])
          assert.equal((await call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { customer, tag: i } })).status, 202);
      }
      const runs = await allFinished(call, wf, 6);
      const byKey = (k: string) => runs.filter((r) => r.concurrencyKey === k);
      assert.equal(byKey('customer-a').length, 3);
      assert.equal(maxOverlap(byKey('customer-a')), 1);
      assert.equal(maxOverlap(byKey('customer-b')), 1);
      assert.equal(maxOverlap(runs), 2, 'the two keys ran in parallel');
    });

    it('records `skipped` and answers 202 { executionId, status: "skipped" } with onLimit "skip"', async () => {
      // a second node whose id sorts before the first: the document lists them in definition order
      const def = limited('conc-skip', 2000, { limit: 1, onLimit: 'skip' }) as { nodes: object[]; edges?: object[] };
      def.nodes.push({ id: 'audit', type: 'tool', config: { tool: 'core.echo', input: { done: true } } });
      def.edges = [{ from: 'nap', to: 'audit' }];
      const wf = await api.createWorkflow(def);
      // what a live viewer of the workflow sees (the bus the SSE streams and the console read)
      const seen: ExecutionEvent[] = [];
      const unsubscribe = runtime.kernel.get(Tokens.EventBus).subscribe((e) => void (e.workflowId === wf && seen.push(e)));
      const first = await call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: 1 } });
      assert.deepEqual([first.status, first.body.status], [202, 'running']);
      const second = await call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: 2 } });
      assert.equal(second.status, 202);
      assert.deepEqual(Object.keys(second.body).sort(), ['executionId', 'status']);
      assert.equal(second.body.status, 'skipped');
      const doc = (await call('GET', `/api/v1/executions/${second.body.executionId}`)).body;
      assert.equal(doc.status, 'skipped');
      assert.deepEqual(
        doc.nodes.map((n: { nodeId: string; status: string }) => [n.nodeId, n.status]),
        [
          ['nap', 'skipped'],
          ['audit', 'skipped'],
        ],
      );
      const ends = await waitFor(() => {
        const mine = seen.filter((e) => e.executionId === second.body.executionId);
        return mine.length > 0 && mine;
      }, 'the skipped execution to be published');
      unsubscribe();
      assert.deepEqual(
        ends.map((e) => [e.kind, e.kind === 'execution' && e.status, e.seq]),
        [['execution', 'skipped', 1]],
      );
      const done = await waitFor(async () => {
        const d = (await call('GET', `/api/v1/executions/${first.body.executionId}`)).body;
        return d.status === 'succeeded' && d;
      }, 'the first execution to finish');
      assert.equal(done.status, 'succeeded');
    });

    it('gives a freed slot to the highest priority first, then the oldest', async () => {
      const wf = await api.createWorkflow(limited('conc-priority', 50, { limit: 1 }));
      // holds the only slot until it is cancelled, once the queue is in place
      const blocker = await call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: 'blocker', ms: 60_000 } });
      assert.equal(blocker.body.status, 'running');
      for (const [tag, priority] of [
        ['low1', 1],
        ['low2', 1],
        ['mid', 5],
        ['high', 9],
      ] as const) {
        const r = await call('POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag }, priority });
        assert.deepEqual([r.status, r.body.status], [202, 'pending']);
      }
      assert.equal((await call('POST', `/api/v1/executions/${blocker.body.executionId}/cancel`, {})).status, 202);
      const runs = await allFinished(call, wf, 5);
      const started = runs.sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((r) => r.inputs.tag);
      assert.deepEqual(started, ['blocker', 'high', 'mid', 'low1', 'low2']);
      assert.equal(runs.find((r) => r.inputs.tag === 'high')!.priority, 9);
      assert.equal(maxOverlap(runs), 1);
    });

    it('does not hold back child executions: a workflow that calls itself under limit 1 finishes', async () => {
      const wf = await api.createWorkflow({
        name: 'conc-self-call',
        settings: { concurrency: { limit: 1 } },
        variables: { depth: 0 },
        nodes: [{ id: 'nap', type: 'tool', config: { tool: 'core.sleep', input: { ms: 1, value: '{{ variables.depth }}' } } }],
      });
      // saved first, then made to call itself (an unknown workflowId is refused at save)
      const updated = await api.request('PUT', `/api/v1/workflows/${wf}`, {
        body: {
          name: 'conc-self-call',
          settings: { concurrency: { limit: 1 } },
          variables: { depth: 0 },
          nodes: [
            { id: 'gate', type: 'condition', config: { expression: 'variables.depth < 1' } },
            { id: 'again', type: 'workflow', config: { workflowId: wf, inputs: { depth: 1 } } },
          ],
          edges: [{ from: 'gate', to: 'again', branch: 'true' }],
        },
      });
      assert.ok(updated.status < 300, updated.text);
      const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.status, 'succeeded', JSON.stringify(r.body.error));
      const child = (await api.request('GET', `/api/v1/executions/${r.body.id}/children`)).body.items;
      assert.equal(child.length, 1);
      assert.equal(child[0].status, 'succeeded');
    });

    it('refuses bad settings and priorities with 400 at their paths', async () => {
      const bad = async (concurrency: object) =>
        api.request('POST', '/api/v1/workflows', { body: limited(`conc-bad-${Math.random().toString(36).slice(2)}`, 1, concurrency) });
      for (const [concurrency, at] of [
        [{ limit: 0 }, 'settings.concurrency.limit'],
        [{ limit: 1.5 }, 'settings.concurrency.limit'],
        [{}, 'settings.concurrency.limit'],
        [{ limit: 1, onLimit: 'drop' }, 'settings.concurrency.onLimit'],
        [{ limit: 1, key: '{{ nodes.x.output }}' }, 'settings.concurrency.key'],
        [{ limit: 1, key: '{{ inputs.a' }, 'settings.concurrency.key'],
      ] as const) {
        const r = await bad(concurrency);
        assert.equal(r.status, 400, JSON.stringify(concurrency));
        assert.ok(
          r.body.error.details.some((d: { path: string }) => d.path.endsWith(at)),
          `${JSON.stringify(concurrency)}: ${JSON.stringify(r.body.error.details)}`,
        );
      }
      const wf = await api.createWorkflow(limited('conc-validate', 1, { limit: 1, key: '{{ inputs.customer }}' }));
      for (const priority of [10, -1, 2.5, '9']) {
        const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { inputs: { customer: 'a' }, priority } });
        assert.equal(r.status, 400, String(priority));
        assert.ok(
          r.body.error.details.some((d: { path: string }) => d.path === 'body.priority'),
          JSON.stringify(r.body.error.details),
        );
      }
      const missing = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { inputs: {} } });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /inputs\.customer/);
      assert.ok(
        missing.body.error.details.some((d: { path: string }) => d.path === 'body.inputs.customer'),
        JSON.stringify(missing.body.error.details),
      );
      const list = await api.request('GET', `/api/v1/workflows/${wf}/executions`);
      assert.equal(list.body.items.length, 0, 'nothing was recorded for a refused execution');
    });
  });
}

concurrencySuite('SQLite', async function () {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-conc-'));
  const runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: dir, WEFT_LOG_LEVEL: 'error' }));
  const api = await startApi({ kernel: runtime.kernel });
  const close = api.close.bind(api);
  api.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { api, runtime };
});

concurrencySuite('PostgreSQL', async function (this: Mocha.Context) {
  const url = await postgresUrlOrSkip(this);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-conc-pg-'));
  const runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: dir, DATABASE_URL: url, WEFT_LOG_LEVEL: 'error' }));
  const api = await startApi({ kernel: runtime.kernel });
  return { api, runtime };
});

describe('per-workflow concurrency across processes (PostgreSQL)', function () {
  this.timeout(180_000);
  const ADMIN_KEY = 'wk_conc_admin_key_0123456789abcdef0123456789';
  const procs: WeftProcess[] = [];
  let dir: string;
  let url: string;

  before(async function () {
    url = await postgresUrlOrSkip(this);
    dir = mkdtempSync(path.join(tmpdir(), 'weft-conc-procs-'));
  });
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => exitOf(p.child)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('two `weft serve` processes sharing one database never exceed the limit together', async () => {
    const env = (sub: string) =>
      weftEnv({ WEFT_DATA_DIR: path.join(dir, sub), WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: url, WEFT_CONSOLE: 'false' });
    const a = await startServe(env('a'));
    procs.push(a);
    const b = await startServe(env('b'));
    procs.push(b);
    const created = await callApi(a.url, ADMIN_KEY, 'POST', '/api/v1/workflows', limited('conc-two-procs', 80, { limit: 3 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const wf = created.body.id as string;
    const accepted = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        callApi(i % 2 ? a.url : b.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: i } }),
      ),
    );
    for (const r of accepted) assert.equal(r.status, 202, JSON.stringify(r.body));
    const runs = await allFinished((m, p, body) => callApi(a.url, ADMIN_KEY, m, p, body), wf, 24);
    assert.ok(
      runs.every((r) => r.status === 'succeeded'),
      JSON.stringify(runs.map((r) => r.status)),
    );
    assert.equal(maxOverlap(runs), 3, JSON.stringify(runs.map((r) => [r.startedAt, r.finishedAt])));
  });

  it('queue mode: `weft serve` and two `weft worker`s keep the limit, and a freed slot goes to the highest priority', async () => {
    const env = weftEnv({
      WEFT_DATA_DIR: path.join(dir, 'q'),
      WEFT_PORT: '0',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      DATABASE_URL: url,
      WEFT_CONSOLE: 'false',
      WEFT_EXECUTION_MODE: 'queue',
    });
    const serve = await startServe(env);
    procs.push(serve);
    for (let i = 0; i < 2; i++) procs.push(await startWeft(['worker', '--concurrency', '4'], env, /weft worker started/));
    const created = await callApi(serve.url, ADMIN_KEY, 'POST', '/api/v1/workflows', limited('conc-queue', 80, { limit: 2 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const wf = created.body.id as string;
    const blocker = await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf}/execute`, {
      inputs: { tag: 'blocker', ms: 60_000 },
    });
    const blocker2 = await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf}/execute`, {
      inputs: { tag: 'blocker2', ms: 60_000 },
    });
    for (const b of [blocker, blocker2]) assert.equal(b.status, 202);
    const accepted = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf}/execute`, { inputs: { tag: `n${i}` }, priority: 3 }),
      ),
    );
    for (const r of accepted) assert.deepEqual([r.status, r.body.status], [202, 'pending']);
    const urgent = await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${wf}/execute`, {
      inputs: { tag: 'urgent' },
      priority: 8,
    });
    assert.equal(urgent.body.status, 'pending');
    await waitFor(
      async () => (await callApi(serve.url, ADMIN_KEY, 'GET', `/api/v1/executions/${blocker.body.executionId}`)).body.status === 'running',
      'the first blocker to run on a worker',
    );
    assert.equal((await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/executions/${blocker.body.executionId}/cancel`, {})).status, 202);
    await waitFor(
      async () => (await callApi(serve.url, ADMIN_KEY, 'GET', `/api/v1/executions/${urgent.body.executionId}`)).body.status === 'succeeded',
      'the urgent execution to run in the freed slot',
    );
    assert.equal((await callApi(serve.url, ADMIN_KEY, 'POST', `/api/v1/executions/${blocker2.body.executionId}/cancel`, {})).status, 202);
    const runs = await allFinished((m, p, body) => callApi(serve.url, ADMIN_KEY, m, p, body), wf, 15);
    assert.equal(runs.filter((r) => r.status === 'succeeded').length, 13);
    assert.equal(maxOverlap(runs), 2, JSON.stringify(runs.map((r) => [r.startedAt, r.finishedAt])));
    const started = runs.filter((r) => r.status === 'succeeded').sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!));
    assert.equal(started[0]!.inputs.tag, 'urgent');
  });
});
