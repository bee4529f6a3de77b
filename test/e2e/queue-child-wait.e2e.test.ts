import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { postgresUrlOrSkip, stopSharedPostgres } from '../support/postgres-server';
import { callApi, exitOf, startServe, startWeft, weftEnv } from '../support/weft-process';
import { makeTempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-queue-child-wait-admin-key-0123456789ab';

/**
 * Queue mode with real processes on one PostgreSQL: `weft serve` (API) and ONE `weft worker`
 * running one execution at a time. A parent whose `workflow` node starts a child must not hold
 * the only worker while the child is queued or waits (that deadlocks): the parent parks, the
 * worker runs the child, which waits for a signal; the signal ends the child, whose end wakes the
 * parent into the queue, and the worker finishes it with the child's outputs.
 */
describe('e2e: a parent does not hold the only worker while its child waits (queue mode)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir> | null = null;
  let url = '';
  const procs: ChildProcess[] = [];

  before(async function () {
    const databaseUrl = await postgresUrlOrSkip(this);
    tmp = makeTempDir();
    const env = weftEnv({
      DATABASE_URL: databaseUrl,
      WEFT_DATA_DIR: tmp.dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      WEFT_SHUTDOWN_DEADLINE_MS: '300',
    });
    const serve = await startServe(env);
    procs.push(serve.child);
    url = serve.url;
    const worker = await startWeft(['worker', '--concurrency', '1'], env, /weft worker started/);
    procs.push(worker.child);
  });

  after(() => {
    for (const c of procs) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    tmp?.remove();
  });

  const call = (method: string, p: string, body?: unknown) => callApi(url, ADMIN_KEY, method, p, body);
  const statusOf = async (id: string): Promise<any> => (await call('GET', `/api/v1/executions/${id}`)).body;

  it('parks the parent, runs the child on the same worker, and a signal finishes both', async () => {
    const kidWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-child-approval',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        {
          id: 'out',
          type: 'tool',
          config: { tool: 'core.echo', input: { by: '{{ nodes.approve.output.payload.by }}', n: '{{ inputs.n }}' } },
        },
      ],
      edges: [{ from: 'approve', to: 'out' }],
      outputs: { approved: '{{ nodes.out.output }}' },
    });
    assert.equal(kidWf.status, 201, JSON.stringify(kidWf.body));
    const parentWf = await call('POST', '/api/v1/workflows', {
      name: 'queued-parent',
      nodes: [
        { id: 'sub', type: 'workflow', config: { workflowId: kidWf.body.id, inputs: { n: 3 } } },
        { id: 'after', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.sub.output }}' } },
      ],
      edges: [{ from: 'sub', to: 'after' }],
      outputs: { child: '{{ nodes.after.output }}' },
    });
    assert.equal(parentWf.status, 201, JSON.stringify(parentWf.body));
    const run = await call('POST', `/api/v1/workflows/${parentWf.body.id}/execute`, {});
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const id: string = run.body.executionId;

    // the child reaches its wait on the only worker: the parent let go of it
    const kidId: string = await waitFor(
      async () => {
        const kids = (await call('GET', `/api/v1/executions/${id}/children`)).body.items;
        return kids.length === 1 && kids[0].status === 'waiting' ? kids[0].id : undefined;
      },
      'the child to wait on the worker',
      { timeoutMs: 30_000 },
    );
    const parked = await waitFor(
      async () => {
        const d = await statusOf(id);
        return d.status === 'waiting' ? d : undefined;
      },
      'the parent to be waiting',
      { timeoutMs: 30_000 },
    );
    assert.equal(parked.nodes.find((n: any) => n.nodeId === 'sub').status, 'waiting');

    const signal = await call('POST', `/api/v1/executions/${kidId}/signals/approve`, { payload: { by: 'ops' } });
    assert.equal(signal.status, 202, JSON.stringify(signal.body));
    const doc = await waitFor(
      async () => {
        const d = await statusOf(id);
        return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
      },
      'the parent to finish',
      { timeoutMs: 60_000 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.equal((await statusOf(kidId)).status, 'succeeded');
    assert.deepEqual(doc.outputs, { child: { approved: { by: 'ops', n: 3 } } });
    for (const c of procs.splice(0)) {
      c.kill('SIGTERM');
      assert.equal(await exitOf(c), 0);
    }
  });
});
