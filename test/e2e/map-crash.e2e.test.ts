import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';
import { FlakyServer } from '../support/flaky-server';
import { waitFor } from '../support/wait-for';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';

const ADMIN_KEY = 'e2e-map-admin-key-0123456789abcdef';
const ITEMS = 200;

/** Reads an SSE stream until `done` says so (or it ends); returns everything read. */
async function readEvents(url: string, done: (text: string) => boolean): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/event-stream' } });
  const reader = res.body!.getReader();
  let text = '';
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += Buffer.from(value).toString('utf8');
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

describe('e2e: a map in weft serve survives SIGKILL', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess | null = null;
  let server: FlakyServer;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-map-e2e-'));
    server = await FlakyServer.start({ delayMs: 15 });
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a 200-item map after SIGKILL: finished items are not called again, and it completes; progress shows on SSE', async () => {
    const env = weftEnv({ WEFT_DATA_DIR: dir, WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY });
    let served = await startServe(env);
    child = served.child;
    const created = await callApi(served.url, ADMIN_KEY, 'POST', '/api/v1/workflows', {
      name: 'map-crash',
      nodes: [
        {
          id: 'fan',
          type: 'map',
          config: {
            items: '{{ inputs.list }}',
            concurrency: 5,
            node: { type: 'tool', config: { tool: 'http.request', input: { url: `${server.url}/item/{{ index }}` } } },
          },
        },
      ],
      outputs: { fan: '{{ nodes.fan.output }}' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const list = Array.from({ length: ITEMS }, (_, i) => i);
    const started = await callApi(served.url, ADMIN_KEY, 'POST', `/api/v1/workflows/${created.body.id}/execute`, { inputs: { list } });
    assert.equal(started.status, 202);
    const id = started.body.executionId as string;

    const stream = await readEvents(`${served.url}/api/v1/executions/${id}/events`, (t) => /"progress":\{"done":[1-9]/.test(t));
    const progress = /"progress":(\{[^}]*\})/.exec(stream.slice(stream.search(/"progress":\{"done":[1-9]/)));
    const p = JSON.parse(progress![1]!) as { done: number; failed: number; total: number };
    assert.ok(p.done > 0 && p.failed === 0 && p.total === ITEMS, JSON.stringify(p));
    assert.match(stream, /event: ?node/);

    await waitFor(() => server.count >= ITEMS / 3, 'a third of the items to be called', { timeoutMs: 30_000, intervalMs: 20 });
    child.kill('SIGKILL');
    await exitOf(child);

    // what the dead process recorded: these items must never be called again
    const db = await openPersistence(loadConfig({ WEFT_DATA_DIR: dir }), undefined, { heartbeatMs: 0 });
    const rows = await db.executionStore.knex('map_item').where({ execution_id: id, status: 'succeeded' }).select('item_index');
    await db.close();
    const recorded = rows.map((r) => Number(r.item_index));
    assert.ok(recorded.length > 0 && recorded.length < ITEMS, `recorded ${recorded.length} items before the kill`);

    served = await startServe(env);
    child = served.child;
    const doc = await waitFor(
      async () => {
        const r = await callApi(served.url, ADMIN_KEY, 'GET', `/api/v1/executions/${id}`);
        return r.body.status !== 'running' && r.body;
      },
      'the map to finish after the restart',
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    const out = doc.outputs.fan as { items: Array<{ status: number; body: { ok: boolean } }>; failed: unknown[] };
    assert.equal(out.items.length, ITEMS);
    assert.ok(out.items.every((i) => i.status === 200 && i.body.ok));
    assert.deepEqual(out.failed, []);

    const calls = new Map<number, number>();
    for (const r of server.requests) {
      const i = Number(r.url.split('/').pop());
      calls.set(i, (calls.get(i) ?? 0) + 1);
    }
    for (const i of list) assert.ok((calls.get(i) ?? 0) >= 1, `item ${i} was called`);
    for (const i of recorded) assert.equal(calls.get(i), 1, `item ${i} finished before the kill and was not called again`);
    const again = list.filter((i) => calls.get(i)! > 1);
    // in flight: the 5 running items and those finished in the loop turn before the kill, not yet committed
    assert.ok(again.length <= 10, `only items in flight at the kill ran twice (${again.join(', ')})`);
  });
});
