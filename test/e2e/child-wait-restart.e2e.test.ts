import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';

const ADMIN_KEY = 'e2e-admin-key-child-wait-0123456789abcdef';

/**
 * A parent whose `workflow` node's child waits on a durable timer is parked on the child's end:
 * across a SIGKILL of `weft serve` (SQLite), the restarted process fires the child's timer, the
 * child's end wakes the parent, and the parent finishes with the child's outputs.
 */
describe("e2e: a parent parked on its child's timer finishes after a restart (SQLite)", function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let child: ChildProcess | null = null;
  before(() => {
    tmp = makeTempDir();
  });
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    tmp.remove();
  });

  it('parks parent and child, and after the restart the timer ends the child and then the parent', async () => {
    const env = weftEnv({ WEFT_DATA_DIR: tmp.dir, WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY });
    let served = await startServe(env);
    child = served.child;
    const call = (method: string, p: string, body?: unknown) => callApi(served.url, ADMIN_KEY, method, p, body);
    const kidWf = await call('POST', '/api/v1/workflows', {
      name: 'child-timer',
      nodes: [
        { id: 'w', type: 'wait', config: { durationMs: 2000 } },
        { id: 'out', type: 'tool', config: { tool: 'core.echo', input: { n: '{{ inputs.n }}' } } },
      ],
      edges: [{ from: 'w', to: 'out' }],
      outputs: { n: '{{ nodes.out.output.n }}', firedAt: '{{ nodes.w.output.firedAt }}' },
    });
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', {
      name: 'parent-of-timer',
      nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: kidWf.body.id, inputs: { n: 7 } } }],
      outputs: { child: '{{ nodes.sub.output }}' },
    });
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, { wait: true });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'waiting');
    const id: string = run.body.id;
    const kids = await call('GET', `/api/v1/executions/${id}/children`);
    const kidId: string = kids.body.items[0].id;
    assert.equal((await call('GET', `/api/v1/executions/${kidId}`)).body.status, 'waiting');

    child.kill('SIGKILL');
    await exitOf(child);
    served = await startServe(env);
    child = served.child;
    const doc = await waitFor(
      async () => {
        const r = await call('GET', `/api/v1/executions/${id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      'the parent to finish after the restart',
      { timeoutMs: 30_000 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    const kid = (await call('GET', `/api/v1/executions/${kidId}`)).body;
    assert.equal(kid.status, 'succeeded');
    assert.deepEqual(doc.outputs.child, kid.outputs);
    assert.equal(kid.outputs.n, 7);
    assert.ok(Date.parse(kid.outputs.firedAt) <= Date.parse(doc.finishedAt));
    child.kill('SIGTERM');
    assert.equal(await exitOf(child), 0);
  });
});
