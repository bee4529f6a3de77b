import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresUrlOrSkip, stopSharedPostgres } from '../support/postgres-server';
import { EVENTS_CHANNEL } from '../../runtime/events/pg-notify-event-bus';
import { waitFor } from '../support/wait-for';
import { callApi, exitOf, startServe, startWeft, weftEnv, type WeftProcess } from '../support/weft-process';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-fencing-admin-key-0123456789abcdef';
const STALL_PLUGIN = path.join(__dirname, '..', 'support', 'stall-plugin.js');

const until = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string) =>
  waitFor(probe, what, { timeoutMs: 60_000, intervalMs: 50 });

/**
 * A worker that is alive but whose event loop is stuck past its lease loses its claim cleanly:
 * another worker takes the execution over and finishes it, and when the stuck one wakes up it
 * records nothing more for that execution and repeats no side effect after the stuck node.
 */
describe('e2e: a worker stuck past its lease is fenced off (queue mode, real processes)', function () {
  this.timeout(150_000);
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let api = '';
  let hook: Server;
  const hookCalls: string[] = [];
  const children: ChildProcess[] = [];
  /** The cross-process events as `weft serve` receives them for its SSE streams: `{ o: origin, e: event }`. */
  let listener: Client | null = null;
  const notified: Array<{ o: string; e: { executionId: string; kind: string; seq: number } } | 'sentinel'> = [];

  before(async function () {
    const databaseUrl = await postgresUrlOrSkip(this);
    listener = new Client({ connectionString: databaseUrl });
    await listener.connect();
    listener.on('notification', (n) => notified.push(n.payload === 'sentinel' ? 'sentinel' : JSON.parse(n.payload ?? '{}')));
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    dir = mkdtempSync(path.join(tmpdir(), 'weft-fencing-'));
    hook = createServer((req, res) => {
      hookCalls.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    env = weftEnv({
      DATABASE_URL: databaseUrl,
      WEFT_DATA_DIR: dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      WEFT_PLUGINS: STALL_PLUGIN,
      WEFT_QUEUE_LEASE_SECONDS: '2',
    });
    const serve = await startServe(env);
    children.push(serve.child);
    api = serve.url;
  });

  after(async () => {
    await listener?.end();
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) => callApi(api, ADMIN_KEY, method, p, body);
  const startWorker = async (extra: Record<string, string>): Promise<WeftProcess> => {
    const w = await startWeft(['worker', '--concurrency', '1'], { ...env, ...extra }, /weft worker started \(pid (\d+)/);
    children.push(w.child);
    return w;
  };

  it('the stuck worker records nothing after the takeover, and its downstream side effect never happens', async () => {
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    const created = await call('POST', '/api/v1/workflows', {
      name: 'stall-then-call',
      nodes: [
        { id: 'first', type: 'tool', config: { tool: 'core.echo', input: { n: 1 } } },
        { id: 'stall', type: 'stall', config: {} },
        { id: 'after', type: 'tool', config: { tool: 'http.request', input: { url: `${hookUrl}/after/{{ nodes.stall.output.pid }}` } } },
      ],
      edges: [
        { from: 'first', to: 'stall' },
        { from: 'stall', to: 'after' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const release = path.join(dir, 'release-stuck-worker');
    const stuck = await startWorker({ TEST_WEFT_STALL_UNTIL: release });
    const started = await call('POST', `/api/v1/workflows/${created.body.id}/execute`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.executionId as string;
    const doc = async () =>
      (await call('GET', `/api/v1/executions/${id}`)).body as {
        status: string;
        nodes: Array<{ nodeId: string; status: string; output: any }>;
      };
    // `first` is durable before `stall` starts, and `stall` blocks the loop before its own start record is committed
    await until(
      async () => ((await doc()).nodes.find((n) => n.nodeId === 'first')?.status === 'succeeded' ? true : undefined),
      'the stuck worker to finish the first node',
    );

    // the stuck worker renews nothing now: its claim lapses and the second worker takes over
    const rescuer = await startWorker({});
    const finished = await until(async () => {
      const d = await doc();
      return d.status === 'succeeded' ? d : undefined;
    }, 'the second worker to finish the execution');
    const rescuerPid = rescuer.child.pid!;
    assert.equal(finished.nodes.find((n) => n.nodeId === 'stall')!.output.pid, rescuerPid);
    assert.deepEqual(hookCalls, [`/after/${rescuerPid}`]);

    // the stuck worker's events so far (the first node's): after the takeover it must publish none
    const fromStuck = () =>
      notified.filter((n) => n !== 'sentinel' && n.e.executionId === id && n.o === stuckOrigin).map((n) => n !== 'sentinel' && n.e);
    const first = notified.find((n) => n !== 'sentinel' && n.e.executionId === id);
    assert.ok(first && first !== 'sentinel', 'the stuck worker published the first node');
    const stuckOrigin = first.o;
    const before = fromStuck();
    assert.ok(before.length > 0);

    // wake the stuck worker: it finds its claim gone and drops everything it still had to record
    writeFileSync(release, 'go');
    await until(
      () => (/lost the claim on an execution/.test(stuck.output()) ? true : undefined),
      'the stuck worker to notice it lost the claim',
    );
    await until(() => (/leaving its job to it/.test(stuck.output()) ? true : undefined), 'the stuck worker to settle its run');
    assert.deepEqual(await doc(), finished, 'nothing the stuck worker did after the takeover was recorded');
    // a notification sent now arrives after any the stuck worker sent on waking
    await listener!.query(`NOTIFY ${EVENTS_CHANNEL}, 'sentinel'`);
    await until(() => (notified.includes('sentinel') ? true : undefined), 'the sentinel notification');
    assert.deepEqual(fromStuck(), before, 'the stuck worker published no event after the takeover');
    assert.deepEqual(hookCalls, [`/after/${rescuerPid}`], 'the stuck worker did not run the node after the stalled one');
    assert.equal(stuck.child.exitCode, null, 'the stuck worker lives on');

    for (const w of [stuck, rescuer]) {
      w.child.kill('SIGTERM');
      assert.equal(await exitOf(w.child), 0, w.output());
    }
  });
});
