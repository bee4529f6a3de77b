import assert from 'node:assert/strict';
import { bind, Tokens } from '../../core/index';
import { InMemoryApiKeyStore } from '../../core/store/in-memory-api-key-store';
import { InMemoryWorkflowStore } from '../../core/store/in-memory-workflow-store';
import { sleepWorkflow, startApi, type ApiHarness } from './support/api-harness';
import { waitFor } from '../support/wait-for';

/** The in-memory key store, counting how often a key is looked up. */
class CountingKeyStore extends InMemoryApiKeyStore {
  lookups = 0;
  override verify(plainKey: string) {
    this.lookups++;
    return super.verify(plainKey);
  }
}

describe('API defences on by default', () => {
  describe('requests without a valid key (WEFT_AUTH_FAIL_LIMIT_PER_MINUTE)', () => {
    let api: ApiHarness;
    let store: CountingKeyStore;
    before(async () => {
      store = new CountingKeyStore();
      api = await startApi({
        authFailLimitPerMinute: 120,
        services: [bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()), bind(Tokens.ApiKeyStore, () => store)],
      });
    });
    after(() => api.close());

    it('meets a burst of 3,000 keyless requests from one address with 429 + Retry-After, with no key lookup past the limit, while a valid key keeps working', async () => {
      // the valid key verified once before the flood
      assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.viewer })).status, 200);
      const statuses = new Map<number, number>();
      let retryAfter: string | null = null;
      let validDuring = 0;
      let next = 0;
      const worker = async () => {
        while (next < 3000) {
          const i = next++;
          const r = await api.request('GET', '/api/v1/workflows', { key: null });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 429) retryAfter ??= r.headers.get('retry-after');
          if (i % 300 === 0) {
            const ok = await api.request('GET', '/api/v1/workflows', { key: api.keys.viewer });
            assert.equal(ok.status, 200, 'a valid key keeps working during the flood');
            validDuring++;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      assert.equal(statuses.get(401), 120, `statuses: ${JSON.stringify([...statuses])}`);
      assert.equal(statuses.get(429), 2880);
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
      assert.equal(validDuring, 10);
      // past the limit, guessed keys are refused without touching the store
      const before = store.lookups;
      for (let i = 0; i < 50; i++) {
        const r = await api.request('GET', '/api/v1/workflows', {
          key: `weft_${String(i).padStart(16, '0')}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
        });
        assert.equal(r.status, 429);
        assert.equal(r.body.error.code, 'WF_RATE_LIMITED');
      }
      assert.equal(store.lookups, before, 'no key lookup past the limit');
      // liveness is not an authentication
      assert.equal((await api.request('GET', '/healthz', { key: null })).status, 200);
      assert.equal((await api.request('GET', '/api/v1/healthz', { key: null })).status, 200);
      // a key that never verified from here is refused too; the one that did still passes
      assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.operator })).status, 429);
      assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.viewer })).status, 200);
    });
  });

  describe('event streams per key', () => {
    let api: ApiHarness;
    before(async () => (api = await startApi({ maxSseStreamsPerKey: 2 })));
    after(() => api.close());

    it('refuses a key its third open stream with 429 + Retry-After; other keys and closed slots are unaffected', async () => {
      const wf = await api.createWorkflow(sleepWorkflow(30_000, 'sse-cap'));
      const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
      const url = `${api.url}/api/v1/executions/${started.body.executionId}/events`;
      const open = async (key: string) => {
        const controller = new AbortController();
        const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
        return { res, close: () => controller.abort() };
      };
      const a = await open(api.keys.viewer);
      const b = await open(api.keys.viewer);
      assert.deepEqual([a.res.status, b.res.status], [200, 200]);
      const third = await open(api.keys.viewer);
      assert.equal(third.res.status, 429);
      assert.ok(Number(third.res.headers.get('retry-after')) >= 1);
      assert.equal(((await third.res.json()) as any).error.code, 'WF_RATE_LIMITED');
      const other = await open(api.keys.operator);
      assert.equal(other.res.status, 200, 'another key has its own streams');
      a.close();
      // the server sees the disconnect asynchronously: poll until the slot is free
      const again = await waitFor(
        async () => {
          const s = await open(api.keys.viewer);
          if (s.res.status === 200) return s;
          await s.res.body?.cancel();
          return undefined;
        },
        'a closed stream to free its slot',
        { timeoutMs: 2_000, intervalMs: 20 },
      );
      for (const s of [b, other, again]) s.close();
      await api.request('POST', `/api/v1/executions/${started.body.executionId}/cancel`, { body: {} });
    });
  });

  it('answers 400, not 500, for a date that passes the format check but not Date (a leap second)', async () => {
    const api = await startApi();
    try {
      const wf = await api.createWorkflow(sleepWorkflow(1, 'dates'));
      for (const [q, path] of [
        ['from=2016-12-31T23:59:60Z', 'query.from'],
        ['to=2016-12-31T23:59:60Z', 'query.to'],
      ] as const) {
        const r = await api.request('GET', `/api/v1/workflows/${wf}/executions?${q}`, { key: api.keys.viewer });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.error.code, 'WF_VALIDATION');
        assert.equal(r.body.error.details[0].path, path);
      }
      assert.equal(
        (await api.request('GET', `/api/v1/workflows/${wf}/executions?from=2016-12-31T23:59:59Z`, { key: api.keys.viewer })).status,
        200,
      );
    } finally {
      await api.close();
    }
  });
});
