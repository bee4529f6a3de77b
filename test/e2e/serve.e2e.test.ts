import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exitOf, startServe, weftEnv, WEFT_BIN } from '../support/weft-process';

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
/** A serve process's env: its data directory and the given settings, nothing inherited. */
const serveEnv = (dataDir: string, extra: Record<string, string> = {}) => weftEnv({ WEFT_DATA_DIR: dataDir, ...extra });

/**
 * Runs a weft command without blocking this process: a spawnSync that outlasts the server's 5 s
 * keep-alive stops undici from retiring its idle socket in time, and the next request then
 * meets a socket the server already closed ("other side closed") on a slow machine.
 */
function weftCommand(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', WEFT_BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('e2e: weft serve', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | null = null;
  let inFlight: string | null = null;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-serve-e2e-'));
  });
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves on the port it picked, runs a workflow with wait, keeps its history, and exits 0 on SIGTERM', async () => {
    const served = await startServe(serveEnv(dir, { WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY, WEFT_SHUTDOWN_DEADLINE_MS: '300' }));
    child = served.child;
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
    assert.deepEqual(history.body.items.map((e: { id: string }) => e.id), [run.body.id]);
    assert.equal((await call('GET', `/api/v1/executions/${run.body.id}`)).body.nodes.length, 2);

    // a key made with the CLI against the same database works, with its role
    const made = await weftCommand(['keys', 'create', '--role', 'viewer', '--name', 'ci'], serveEnv(dir));
    assert.equal(made.status, 0, made.stderr);
    const viewerKey = made.stdout.trim();
    assert.match(viewerKey, /^weft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/, 'stdout is only the key');
    assert.equal((await call('GET', `/api/v1/executions/${run.body.id}`, undefined, viewerKey)).status, 200);
    assert.equal((await call('POST', `/api/v1/workflows/${created.body.id}/execute`, {}, viewerKey)).status, 403);
    const badRole = await weftCommand(['keys', 'create', '--role', 'root'], serveEnv(dir));
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
    await new Promise((r) => setTimeout(r, 300));
    served.child.kill('SIGTERM');
    assert.equal(await exitOf(served.child), 0);
  });

  it('on restart resumes the execution SIGTERM interrupted, creates no new admin key, and exits 0 on SIGINT', async () => {
    assert.ok(inFlight, 'the previous test left an execution in flight');
    const served = await startServe(serveEnv(dir, { WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY }));
    child = served.child;
    assert.ok(!served.output().includes('admin API key'), 'keys exist: no bootstrap key');
    let doc: { status: string; nodes: Array<{ nodeId: string; status: string; output: unknown }> } | null = null;
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${served.url}/api/v1/executions/${inFlight}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      doc = (await res.json()) as typeof doc;
      if (doc!.status !== 'running' && doc!.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(doc!.status, 'succeeded', `${JSON.stringify(doc)}\n--- weft serve output:\n${served.output().slice(-4000)}`);
    assert.equal(doc!.nodes.find((n) => n.nodeId === 'done')!.output, 'slept');
    served.child.kill('SIGINT');
    assert.equal(await exitOf(served.child), 0);
  });

  it('prints a random bootstrap admin key once when no key exists and none is configured', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'weft-serve-e2e-'));
    try {
      const served = await startServe(serveEnv(fresh, { WEFT_PORT: '0' }));
      child = served.child;
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
