import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';
import { waitFor } from '../support/wait-for';
import { approvalChild, mapOverChildren } from '../support/approval-workflows';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';

const ADMIN_KEY = 'e2e-map-wake-crash-admin-key-0123456789ab';

/**
 * A `map` parked on its child workflows is woken by the first child to end, and the process
 * dies right after that wake commits (`TEST_WEFT_CRASH_AT=after-wake:fan`), before the map's
 * run records anything. The parent is then `running` with a dead owner and no wait rows for the
 * child that ended. The next `weft serve` must resume it, take the ended child's result, re-attach
 * to the child still waiting (not start a new one), park again, and finish when that child does.
 */
describe('e2e: a map woken by a child survives a crash right after the wake (weft serve, SQLite)', function () {
  this.timeout(120_000);
  let tmp: TempDir;
  const children: ChildProcess[] = [];

  before(() => {
    tmp = makeTempDir('weft-map-wake-crash-');
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    tmp?.remove();
  });

  it('resumes the woken map on restart: the ended child is taken once, the waiting one re-attached, the items in order', async () => {
    const base = { WEFT_DATA_DIR: tmp.dir, WEFT_ADMIN_KEY: ADMIN_KEY, WEFT_PORT: '0', WEFT_SHUTDOWN_DEADLINE_MS: '300' };
    const serve = await startServe(weftEnv({ ...base, TEST_WEFT_CRASH_AT: 'after-wake:fan' }));
    children.push(serve.child);
    const call = (url: string, method: string, p: string, body?: unknown) => callApi(url, ADMIN_KEY, method, p, body);

    const kid = await call(serve.url, 'POST', '/api/v1/workflows', approvalChild('wake-crash-child'));
    assert.equal(kid.status, 201, JSON.stringify(kid.body));
    const parent = await call(serve.url, 'POST', '/api/v1/workflows', mapOverChildren('wake-crash-parent', kid.body.id, ['x', 'y']));
    assert.equal(parent.status, 201, JSON.stringify(parent.body));
    const run = await call(serve.url, 'POST', `/api/v1/workflows/${parent.body.id}/execute`, { wait: true });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'waiting', 'the map parked on its two waiting children');
    const id: string = run.body.id;
    const kids: any[] = (await call(serve.url, 'GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.equal(kids.length, 2);
    const [first, second] = [...kids].sort((a, b) => a.itemIndex - b.itemIndex);

    // the first child ends; its end makes the parent due; the process that wakes the map dies there
    const signal = await call(serve.url, 'POST', `/api/v1/executions/${first.id}/signals/approve`, { payload: { by: 'ops-0' } });
    assert.equal(signal.status, 202, JSON.stringify(signal.body));
    assert.equal(
      await waitFor(() => serve.child.signalCode ?? serve.child.exitCode ?? undefined, 'weft serve to die at the crash point', {
        timeoutMs: 30_000,
      }),
      'SIGKILL',
    );

    // what the crash left: the wake committed, nothing of the map's run
    const p = await openPersistence(loadConfig({ WEFT_DATA_DIR: tmp.dir }), undefined, { heartbeatMs: 0 });
    try {
      const knex = p.executionStore.knex;
      const row = await knex('workflow_execution').where({ id }).first('status');
      assert.equal(row?.status, 'running', 'the wake was committed before the crash');
      const firstRow = await knex('workflow_execution').where({ id: first.id }).first('status');
      assert.equal(firstRow?.status, 'succeeded');
    } finally {
      await p.close();
    }

    const serve2 = await startServe(weftEnv(base));
    children.push(serve2.child);
    // resumed: the map takes the first child's result and parks again on the second
    await waitFor(
      async () => {
        const d = (await call(serve2.url, 'GET', `/api/v1/executions/${id}`)).body;
        return d.status === 'waiting' ? d : undefined;
      },
      'the resumed parent to park again on its second child',
      { timeoutMs: 30_000 },
    );
    const again: any[] = (await call(serve2.url, 'GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.deepEqual(again.map((k) => k.id).sort(), [first.id, second.id].sort(), 'no child was started again');

    const signal2 = await call(serve2.url, 'POST', `/api/v1/executions/${second.id}/signals/approve`, { payload: { by: 'ops-1' } });
    assert.equal(signal2.status, 202, JSON.stringify(signal2.body));
    const doc = await waitFor(
      async () => {
        const d = (await call(serve2.url, 'GET', `/api/v1/executions/${id}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
      },
      'the parent to finish',
      { timeoutMs: 30_000 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs.fan, {
      items: [{ approved: { by: 'ops-0', item: 'x' } }, { approved: { by: 'ops-1', item: 'y' } }],
      failed: [],
    });
    const finalKids: any[] = (await call(serve2.url, 'GET', `/api/v1/executions/${id}/children`)).body.items;
    assert.equal(finalKids.length, 2, 'two children in all');
    serve2.child.kill('SIGTERM');
    await exitOf(serve2.child);
  });
});
