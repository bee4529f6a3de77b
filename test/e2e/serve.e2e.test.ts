import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exitOf, startServe, weftEnv, WEFT_BIN } from '../support/weft-process';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
/** A serve process's env: its data directory and the given settings, nothing inherited. */
const serveEnv = (dataDir: string, extra: Record<string, string> = {}) => weftEnv({ WEFT_DATA_DIR: dataDir, ...extra });

describe('e2e: weft serve', function () {
  this.timeout(60_000);
  let dir: string;
  // every process a test starts: one that a failing test leaves running is killed after it, so
  // it cannot outlive the suite (mocha runs without --exit: a live child would hold the run open)
  const children: ChildProcess[] = [];
  const track = (c: ChildProcess) => (children.push(c), c);
  let inFlight: string | null = null;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-serve-e2e-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exitOf(c);
      }
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--no-node-snapshot', WEFT_BIN, ...args],
        { env: serveEnv(dir), encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
      ),
    );

  it('serves on the port it picked, runs a workflow with wait, keeps its history, and exits 0 on SIGTERM', async () => {
    const served = await startServe(serveEnv(dir, { WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY, WEFT_SHUTDOWN_DEADLINE_MS: '300' }));
    track(served.child);
    const { url } = served;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(!url.endsWith(':0'), 'the actual port is printed');
    assert.ok(!served.output().includes(ADMIN_KEY), 'a given admin key is never printed');
    const call = async (method: string, p: string, body?: unknown, key = ADMIN_KEY) => {
      const res = await fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    assert.deepEqual((await fetch(`${url}/healthz`)).status, 200);
    const created = await call('POST', '/api/v1/workflows', {
      name: 'e2e',
      variables: { who: 'world' },
      nodes: [
        { id: 'greet', type: 'tool', config: { tool: 'core.echo', input: { hello: '{{ variables.who }}' } } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.greet.output }}' } },
      ],
      edges: [{ from: 'greet', to: 'after' }],
      outputs: { greeting: '{{ nodes.after.output.hello }}' },
    });
    assert.equal(created.status, 201);
    const run = await call('POST', `/api/v1/workflows/${created.body.id}/execute`, { wait: true, inputs: { who: 'e2e' } });
    assert.equal(run.status, 200);
    assert.equal(run.body.status, 'succeeded');
    assert.deepEqual(run.body.outputs, { greeting: 'e2e' });
    const history = await call('GET', `/api/v1/workflows/${created.body.id}/executions`);
    assert.deepEqual(
      history.body.items.map((e: { id: string }) => e.id),
      [run.body.id],
    );
    assert.equal((await call('GET', `/api/v1/executions/${run.body.id}`)).body.nodes.length, 2);

    // a key made with the CLI against the same database works, with its role
    // run asynchronously: a spawnSync would stall this process past the server's keep-alive
    // timeout, and the next request would go out on a socket the server had already closed
    const made = await cli(['keys', 'create', '--role', 'viewer', '--name', 'ci']);
    assert.equal(made.status, 0, made.stderr);
    const viewerKey = made.stdout.trim();
    assert.match(viewerKey, /^weft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/, 'stdout is only the key');
    assert.equal((await call('GET', `/api/v1/executions/${run.body.id}`, undefined, viewerKey)).status, 200);
    assert.equal((await call('POST', `/api/v1/workflows/${created.body.id}/execute`, {}, viewerKey)).status, 403);
    const badRole = await cli(['keys', 'create', '--role', 'root']);
    assert.notEqual(badRole.status, 0);
    assert.equal(badRole.stdout, '');

    // a long execution is in flight at SIGTERM: the drain deadline passes, the process exits 0
    // and leaves it resumable (the next test restarts on the same database)
    const slow = await call('POST', '/api/v1/workflows', {
      name: 'e2e-slow',
      nodes: [
        { id: 'wait', type: 'tool', config: { tool: 'core.sleep', input: { ms: 2500, value: 'slept' } } },
        { id: 'done', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.wait.output }}' } },
      ],
      edges: [{ from: 'wait', to: 'done' }],
    });
    inFlight = (await call('POST', `/api/v1/workflows/${slow.body.id}/execute`, {})).body.executionId;
    await waitFor(
      async () =>
        (await call('GET', `/api/v1/executions/${inFlight}`)).body.nodes.some(
          (n: { nodeId: string; status: string }) => n.nodeId === 'wait' && n.status === 'running',
        ),
      'the slow node to run',
    );
    served.child.kill('SIGTERM');
    assert.equal(await exitOf(served.child), 0);
  });

  it('on restart resumes the execution SIGTERM interrupted, creates no new admin key, and exits 0 on SIGINT', async () => {
    assert.ok(inFlight, 'the previous test left an execution in flight');
    const served = await startServe(serveEnv(dir, { WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY }));
    track(served.child);
    assert.ok(!served.output().includes('admin API key'), 'keys exist: no bootstrap key');
    type Doc = { status: string; nodes: Array<{ nodeId: string; status: string; output: unknown }> };
    const doc = await waitFor(
      async () => {
        const res = await fetch(`${served.url}/api/v1/executions/${inFlight}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const d = (await res.json()) as Doc;
        return d.status !== 'running' && d.status !== 'pending' ? d : undefined;
      },
      'the resumed execution to end',
      { timeoutMs: 20_000 },
    );
    assert.equal(doc.status, 'succeeded', `${JSON.stringify(doc)}\n--- weft serve output:\n${served.output().slice(-4000)}`);
    assert.equal(doc.nodes.find((n) => n.nodeId === 'done')!.output, 'slept');
    served.child.kill('SIGINT');
    assert.equal(await exitOf(served.child), 0);
  });

  it('prints a random bootstrap admin key once when no key exists and none is configured', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'weft-serve-e2e-'));
    try {
      const served = await startServe(serveEnv(fresh, { WEFT_PORT: '0' }));
      track(served.child);
      const m = /admin API key \(shown only this once\): (\S+)/.exec(served.output());
      assert.ok(m, served.output());
      const ok = await fetch(`${served.url}/api/v1/workflows`, { headers: { authorization: `Bearer ${m[1]}` } });
      assert.equal(ok.status, 200);
      served.child.kill('SIGTERM');
      assert.equal(await exitOf(served.child), 0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
