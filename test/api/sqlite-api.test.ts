import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kernel } from '../../core/index';
import toolPlugin from '../../plugins/tool';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence, persistenceBindings, type Persistence } from '../../runtime/persistence/persistence';
import { echoWorkflow, sleepWorkflow, startApi, type ApiHarness } from './support/api-harness';
import { readSseOnceOpen } from './support/sse-client';

/** The API over real SQLite persistence (stores, keys, cursors), across a restart. */
describe('API on SQLite persistence', () => {
  let dir: string;
  let persistence: Persistence;
  let kernel: Kernel;
  let api: ApiHarness;

  async function open(): Promise<void> {
    persistence = await openPersistence(loadConfig({ WEFT_DATA_DIR: dir }));
    kernel = Kernel.create({ plugins: [toolPlugin], services: persistenceBindings(persistence) });
    api = await startApi({ kernel });
  }
  async function close(): Promise<void> {
    await api.close();
    await kernel.stop();
    await persistence.close();
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-api-sqlite-'));
    await open();
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, executes with wait, lists history with filters and cursors, and reads nodes', async () => {
    const wf = await api.createWorkflow(echoWorkflow('sqlite-echo'));
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs: { msg: `n${i}` } } });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'succeeded');
      runs.push(r.body);
    }
    const page1 = await api.request('GET', `/api/v1/workflows/${wf}/executions?limit=2&status=succeeded`);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.nextCursor);
    const page2 = await api.request(
      'GET',
      `/api/v1/workflows/${wf}/executions?limit=2&status=succeeded&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    assert.equal(page2.body.items.length, 1);
    assert.equal(page2.body.nextCursor, null);
    const ids = [...page1.body.items, ...page2.body.items].map((e: { id: string }) => e.id);
    assert.deepEqual(ids.sort(), runs.map((r) => r.id).sort());

    const tampered = page1.body.nextCursor.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A'));
    const bad = await api.request('GET', `/api/v1/workflows/${wf}/executions?cursor=${encodeURIComponent(tampered)}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'query.cursor');

    const sqlish = await api.request('GET', `/api/v1/workflows/${wf}/executions?status=${encodeURIComponent("succeeded' OR '1'='1")}`);
    assert.equal(sqlish.status, 400);

    const nodes = await api.request('GET', `/api/v1/executions/${runs[0].id}/nodes`, { key: api.keys.viewer });
    assert.deepEqual(
      nodes.body.nodes.map((n: { nodeId: string; status: string }) => `${n.nodeId}:${n.status}`),
      ['echo:succeeded'],
    );
  });

  it('streams events and cancels a running execution', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(30_000, 'sqlite-cancel'));
    const id = (await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} })).body.executionId;
    const stream = readSseOnceOpen(`${api.url}/api/v1/executions/${id}/events`, api.keys.viewer);
    await stream.opened;
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/cancel`, { key: api.keys.operator })).status, 202);
    const r = await stream.result;
    assert.ok(r.closedByServer);
    assert.equal(r.events[0]!.event, 'snapshot');
    assert.deepEqual(r.events[r.events.length - 1]!.data.status, 'cancelled');
    const doc = await api.request('GET', `/api/v1/executions/${id}`);
    assert.equal(doc.body.status, 'cancelled');
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/cancel`)).status, 409);
  });

  it('keeps workflows, executions and keys across a restart; idempotency keys still match', async () => {
    const wf = await api.createWorkflow(echoWorkflow('sqlite-restart'));
    const first = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, idempotencyKey: 'once' } });
    const adminKey = api.keys.admin;
    await close();
    await open();
    const again = await api.request('GET', `/api/v1/workflows/${wf}`, { key: adminKey });
    assert.equal(again.status, 200, 'the old admin key still verifies');
    const doc = await api.request('GET', `/api/v1/executions/${first.body.id}`);
    assert.equal(doc.body.status, 'succeeded');
    const dup = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { idempotencyKey: 'once' } });
    assert.equal(dup.status, 202);
    assert.deepEqual(dup.body, { executionId: first.body.id, status: 'succeeded' });
  });
});
