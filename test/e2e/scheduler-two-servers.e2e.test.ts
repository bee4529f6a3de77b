import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postgresUrlOrSkip, stopSharedPostgres } from '../support/postgres-server';
import { callApi, exitOf, startServe, weftEnv } from '../support/weft-process';
import { waitFor } from '../support/wait-for';

after(stopSharedPostgres);

const ADMIN_KEY = 'e2e-scheduler-admin-key-0123456789';
/** How long (at least) both servers fire the one-second schedule together. */
const RUN_MS = 10_000;

const serveEnv = (dataDir: string, databaseUrl: string) =>
  // info: the test waits for A's "schedule removed" line
  weftEnv({ WEFT_DATA_DIR: dataDir, WEFT_PORT: '0', WEFT_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: databaseUrl, WEFT_LOG_LEVEL: 'info' });

const call = (url: string, method: string, p: string, body?: unknown) => callApi(url, ADMIN_KEY, method, p, body);

describe('e2e: two weft serve processes on one PostgreSQL run each scheduled fire once', function () {
  this.timeout(120_000);
  let dir = '';
  let databaseUrl = '';
  const children: ChildProcess[] = [];

  before(async function () {
    databaseUrl = await postgresUrlOrSkip(this);
    dir = mkdtempSync(path.join(tmpdir(), 'weft-sched-e2e-'));
  });

  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every fire time appears exactly once in the execution history', async () => {
    // One server migrates the fresh database first; the second starts on the migrated schema.
    const a = await startServe(serveEnv(path.join(dir, 'a'), databaseUrl));
    children.push(a.child);
    const created = await call(a.url, 'POST', '/api/v1/workflows', {
      name: 'every-second',
      schedule: { intervalMs: 1000 },
      nodes: [{ id: 'tick', type: 'tool', config: { tool: 'core.echo', input: { at: '{{ execution.startedAt }}' } } }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id: string = created.body.id;
    // B loads the scheduled workflow at start, as every server does
    const b = await startServe(serveEnv(path.join(dir, 'b'), databaseUrl));
    children.push(b.child);

    const schedule = await call(b.url, 'GET', `/api/v1/workflows/${id}/schedule`);
    assert.equal(schedule.status, 200);
    assert.equal(schedule.body.nextFireTimes.length, 10);
    assert.match(schedule.body.nextFireTimes[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);

    const bothUp = Date.now();
    type Item = { id: string; status: string; trigger: string; idempotencyKey: string | null; startedAt: string };
    const history = async (): Promise<Item[]> => {
      const items: Item[] = [];
      let cursor: string | null = null;
      do {
        const page = await call(
          a.url,
          'GET',
          `/api/v1/workflows/${id}/executions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(page.status, 200, JSON.stringify(page.body));
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return items;
    };
    const fireTimeOf = (e: Item) => Date.parse(e.idempotencyKey!.slice(`schedule:${id}:`.length));
    await waitFor(
      async () => (await history()).filter((e) => fireTimeOf(e) > bothUp).length >= RUN_MS / 1000,
      `${RUN_MS / 1000} fires while both servers run`,
      { timeoutMs: RUN_MS * 4 },
    );
    // stop the schedule through B: A learns it at its next fire (it reads the workflow), stops and says so
    const deletedAt = Date.now();
    assert.equal((await call(b.url, 'DELETE', `/api/v1/workflows/${id}`)).status, 204);
    await waitFor(() => a.output().includes('schedule removed'), 'A to drop the deleted schedule', { timeoutMs: 10_000 });
    const items = await waitFor(async () => {
      const all = await history();
      return all.every((e) => e.status !== 'running' && e.status !== 'pending') ? all : undefined;
    }, 'every fired execution to end');

    for (const c of [a.child, b.child]) c.kill('SIGTERM');
    assert.deepEqual(await Promise.all([exitOf(a.child), exitOf(b.child)]), [0, 0]);

    const keys = items.map((e) => e.idempotencyKey);
    assert.ok(items.every((e) => e.trigger === 'schedule'));
    assert.equal(new Set(keys).size, keys.length, `a fire ran twice: ${keys.sort().join(', ')}`);
    const fireTimes = items.map(fireTimeOf).sort((x, y) => x - y);
    // one per whole second, none missing, across the whole time both servers were up
    for (let i = 1; i < fireTimes.length; i++) assert.equal(fireTimes[i]! - fireTimes[i - 1]!, 1000, 'consecutive fires, none missing');
    const whileBothUp = fireTimes.filter((t) => t > bothUp && t <= deletedAt);
    assert.ok(whileBothUp.length >= RUN_MS / 1000, `fires while both servers ran: ${whileBothUp.length}`);
    assert.ok(
      items.every((e) => e.status === 'succeeded'),
      JSON.stringify(items.filter((e) => e.status !== 'succeeded')),
    );
  });
});
