import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';
import { FlakyServer } from '../support/flaky-server';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'e2e-admin-key-wait-0123456789abcdef';

describe('e2e: a durable timer survives SIGKILL of weft serve', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let server: FlakyServer;
  let child: ChildProcess | null = null;
  before(async () => {
    tmp = makeTempDir();
    server = await FlakyServer.start();
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await server.close();
    tmp.remove();
  });

  it('fires once after a restart, and the execution finishes', async () => {
    const env = weftEnv({ WEFT_DATA_DIR: tmp.dir, WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY });
    let served = await startServe(env);
    child = served.child;
    const created = await callApi(served.url, ADMIN_KEY, 'POST', '/api/v1/workflows', {
      name: 'wait-restart',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 1500 } },
        { id: 'call', type: 'tool', config: { tool: 'http.request', input: { url: `${server.url}/fired`, method: 'POST' } } },
      ],
      edges: [{ from: 'w', to: 'call' }],
    });
    assert.equal(created.status, 201);
    const run = await callApi(served.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${created.body.id}/execute`, { wait: true });
    assert.equal(run.body.status, 'waiting');
    const id = run.body.id;
    child.kill('SIGKILL');
    await exitOf(child);
    assert.equal(server.count, 0);
    served = await startServe(env);
    child = served.child;
    const doc = await waitFor(
      async () => {
        const r = await callApi(served.url, ADMIN_KEY, 'GET', `/api/v1/executions/${id}`);
        return r.body.status === 'succeeded' ? r.body : undefined;
      },
      'the woken execution to finish',
      { timeoutMs: 20_000 },
    );
    assert.equal(server.count, 1);
    assert.equal(doc.nodes.find((n: any) => n.nodeId === 'w').status, 'succeeded');
    assert.equal(doc.nodes.find((n: any) => n.nodeId === 'call').output.status, 200);
    // nothing left to fire: a second restart calls nothing more
    child.kill('SIGTERM');
    await exitOf(child);
    served = await startServe(env);
    child = served.child;
    const again = await callApi(served.url, ADMIN_KEY, 'GET', `/api/v1/executions/${id}`);
    assert.equal(again.body.status, 'succeeded');
    assert.equal(server.count, 1);
  });
});
