import assert from 'node:assert/strict';
import { startApi, type ApiHarness } from './support/api-harness';

describe('API secrets routes', () => {
  let api: ApiHarness;
  before(async () => (api = await startApi()));
  after(() => api.close());

  it('stores (204), lists names and timestamps only, deletes (204, then 404); bad names and values are 400 without echoing the value', async () => {
    const value = 'route-secret-value-42';
    assert.equal((await api.request('PUT', '/api/v1/secrets/API_TOKEN', { body: { value } })).status, 204);
    const list = await api.request('GET', '/api/v1/secrets');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((s: { name: string }) => s.name),
      ['API_TOKEN'],
    );
    assert.deepEqual(Object.keys(list.body.items[0]).sort(), ['createdAt', 'name', 'updatedAt']);
    assert.ok(!list.text.includes(value));
    const badName = await api.request('PUT', '/api/v1/secrets/lower_case', { body: { value } });
    assert.equal(badName.status, 400);
    const short = await api.request('PUT', '/api/v1/secrets/SHORT_ONE', { body: { value: 'abc1234' } });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.details[0].path, 'body.value');
    assert.ok(!short.text.includes('abc1234'), 'the refused value is not echoed');
    assert.equal((await api.request('DELETE', '/api/v1/secrets/API_TOKEN')).status, 204);
    assert.equal((await api.request('DELETE', '/api/v1/secrets/API_TOKEN')).status, 404);
    assert.deepEqual((await api.request('GET', '/api/v1/secrets')).body.items, []);
  });
});
