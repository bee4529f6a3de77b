import assert from 'node:assert/strict';
import { startApi, type ApiHarness, type Response } from './support/api-harness';

describe('API rate limiting', () => {
  describe('without trustProxy', () => {
    let api: ApiHarness;
    before(async () => {
      api = await startApi({ rateLimitPerMinute: 5 });
    });
    after(() => api.close());

    it('limits the address for requests without a valid key: 429 with Retry-After, rotating X-Forwarded-For does not help', async () => {
      const statuses: number[] = [];
      let limited: Response | null = null;
      for (let i = 0; i < 8; i++) {
        const r = await api.request('GET', '/healthz', { key: null, headers: { 'x-forwarded-for': `10.0.0.${i}` } });
        statuses.push(r.status);
        if (r.status === 429) limited ??= r;
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      assert.equal(limited!.body.error.code, 'WF_RATE_LIMITED');
      const retryAfter = Number(limited!.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
      // bad keys count against the address too (no fresh bucket per guessed key)
      const guess = await api.request('GET', '/api/v1/workflows', {
        key: 'weft_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      });
      assert.equal(guess.status, 429);
    });

    it('gives each valid key its own bucket', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.viewer })).status, 200);
      assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.viewer })).status, 429);
      assert.equal((await api.request('GET', '/api/v1/workflows', { key: api.keys.operator })).status, 200, 'another key is not affected');
    });
  });

  describe('with trustProxy', () => {
    let api: ApiHarness;
    before(async () => {
      api = await startApi({ rateLimitPerMinute: 3, trustProxy: true });
    });
    after(() => api.close());

    it('uses X-Forwarded-For as the client address', async () => {
      const from = (ip: string) => api.request('GET', '/healthz', { key: null, headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 3; i++) assert.equal((await from('203.0.113.7')).status, 200);
      assert.equal((await from('203.0.113.7')).status, 429);
      assert.equal((await from('203.0.113.8')).status, 200, 'another client behind the proxy has its own bucket');
      // the proxy appends the real client; what the client prepended does not pick the bucket
      assert.equal((await from('198.51.100.1, 203.0.113.7')).status, 429);
      assert.equal((await from('198.51.100.2, 203.0.113.7')).status, 429);
    });
  });
});
