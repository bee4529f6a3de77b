import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kernel } from '../../core/index';
import toolPlugin from '../../plugins/tool';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence, persistenceBindings, type Persistence } from '../../runtime/persistence/persistence';
import { echoWorkflow, startApi, type ApiHarness } from './support/api-harness';

/** `GET /executions` (every workflow's runs) and `GET /auth/me`, over the in-memory and the SQLite stores. */
for (const backend of ['memory', 'sqlite'] as const) {
  describe(`API GET /executions and /auth/me (${backend})`, () => {
    let api: ApiHarness;
    let dir: string;
    let persistence: Persistence | null = null;
    let kernel: Kernel | null = null;
    const byWorkflow = new Map<string, string[]>();

    before(async () => {
      if (backend === 'sqlite') {
        dir = mkdtempSync(path.join(tmpdir(), 'weft-all-executions-'));
        persistence = await openPersistence(loadConfig({ WEFT_DATA_DIR: dir }));
        kernel = Kernel.create({ plugins: [toolPlugin], services: persistenceBindings(persistence) });
        api = await startApi({ kernel });
      } else api = await startApi();
      for (const name of ['first', 'second']) {
        const wf = await api.createWorkflow(echoWorkflow(name));
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs: { msg: `${name}${i}` } } });
          assert.equal(r.status, 200, r.text);
          ids.push(r.body.id);
        }
        byWorkflow.set(wf, ids);
      }
    });
    after(async () => {
      await api.close();
      if (kernel) await kernel.stop();
      if (persistence) await persistence.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("lists every workflow's executions newest first, in keyset pages without node outputs", async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await api.request('GET', `/api/v1/executions${q}`, { key: api.keys.viewer });
        assert.equal(page.status, 200, page.text);
        for (const item of page.body.items) {
          assert.equal(item.nodes, undefined, 'a list never carries node executions or their outputs');
          assert.ok(byWorkflow.has(item.workflowId));
        }
        ids.push(...page.body.items.map((e: { id: string }) => e.id));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 2);
      const all = [...byWorkflow.values()].flat();
      assert.deepEqual(ids, [...all].sort().reverse());
    });

    it('filters on status, trigger and date range; a cursor works only with its own filters', async () => {
      const ok = await api.request('GET', '/api/v1/executions?status=succeeded&trigger=api,manual');
      assert.equal(ok.body.items.length, 6);
      const none = await api.request('GET', '/api/v1/executions?trigger=schedule');
      assert.deepEqual(none.body, { items: [], nextCursor: null });
      const failed = await api.request('GET', '/api/v1/executions?status=failed,cancelled');
      assert.equal(failed.body.items.length, 0);
      const dated = await api.request('GET', '/api/v1/executions?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z&limit=5');
      assert.equal(dated.body.items.length, 5);
      const next = await api.request(
        'GET',
        `/api/v1/executions?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z&limit=5&cursor=${encodeURIComponent(dated.body.nextCursor)}`,
      );
      assert.equal(next.body.items.length, 1);
      const future = await api.request('GET', '/api/v1/executions?from=2999-01-01T00:00:00Z');
      assert.equal(future.body.items.length, 0);
      if (backend === 'sqlite') {
        // a cursor is signed for its filters: replaying it under others is refused
        const other = await api.request(
          'GET',
          `/api/v1/executions?trigger=api&limit=5&cursor=${encodeURIComponent(dated.body.nextCursor)}`,
        );
        assert.equal(other.status, 400, other.text);
      }
    });

    it('rejects values outside the allowlists and unknown parameters with 400 at their path', async () => {
      const cases: Array<[string, string]> = [
        ['status=bogus', 'query.status'],
        ['trigger=cron', 'query.trigger'],
        ["trigger=api' OR '1'='1", 'query.trigger'],
        ['trigger=api&trigger=manual', 'query.trigger'],
        ['workflowId=x', 'query.workflowId'],
        ['limit=0', 'query.limit'],
        ['from=yesterday', 'query.from'],
        ['cursor=abc', 'query.cursor'],
      ];
      for (const [q, where] of cases) {
        const r = await api.request('GET', `/api/v1/executions?${q.replace(/ /g, '%20')}`);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.body.error.code, 'WF_VALIDATION');
        assert.ok(
          r.body.error.details.some((d: { path: string }) => d.path === where),
          `${q}: ${JSON.stringify(r.body.error.details)}`,
        );
      }
    });

    it("GET /auth/me answers the calling key's role and id, 401 without a valid key", async () => {
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const r = await api.request('GET', '/api/v1/auth/me', { key: api.keys[role] });
        assert.equal(r.status, 200);
        assert.equal(r.body.role, role);
        assert.match(r.body.keyId, /\S/);
        assert.notEqual(r.body.keyId, api.keys[role], 'the id, never the key');
      }
      assert.equal((await api.request('GET', '/api/v1/auth/me', { key: null })).status, 401);
      assert.equal(
        (await api.request('GET', '/api/v1/auth/me', { key: 'weft_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status,
        401,
      );
    });
  });
}
