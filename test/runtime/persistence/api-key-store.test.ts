import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import type { ApiKeyStore } from '../../../core/store/api-key-store';
import { InMemoryApiKeyStore } from '../../../core/store/in-memory-api-key-store';
import type { Persistence } from '../../../runtime/persistence/persistence';

/** The ApiKeyStore contract, run against every implementation. */
function apiKeyStoreContract(store: () => ApiKeyStore, raw?: () => Persistence): void {
  it('creates random keys that verify to their record, stored only as a hash', async () => {
    const s = store();
    const { key, record } = await s.create('operator', { name: 'ci' });
    assert.match(key, /^weft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.role, 'operator');
    assert.equal(record.name, 'ci');
    assert.deepEqual(await s.verify(key), record);
    const other = await s.create('viewer');
    assert.notEqual(other.key, key);
    if (raw) {
      const rows = await raw().executionStore.knex('api_key').select('*');
      // the secret is base64url and may itself contain '_': take everything after `weft_<id>_`
      const secret = key.slice('weft_'.length + 16 + 1);
      assert.equal(secret.length, 43);
      assert.ok(!JSON.stringify(rows).includes(secret), 'the secret is not stored');
    }
  });

  it('rejects wrong, tampered, revoked and malformed keys', async () => {
    const s = store();
    const { key, record } = await s.create('admin');
    const last = key[key.length - 1] === 'A' ? 'B' : 'A';
    for (const bad of [
      key.slice(0, -1) + last,
      key.replace('weft_', 'weft-'),
      key + 'x',
      '',
      'short',
      'x'.repeat(5000),
      "weft_' OR '1'='1",
      null,
      42,
    ]) {
      assert.equal(await s.verify(bad as string), null, String(bad).slice(0, 30));
    }
    await s.revoke(record.id);
    assert.equal(await s.verify(key), null);
    await assert.rejects(s.revoke('0000000000000000'), { code: 'WF_NOT_FOUND' });
  });

  it('accepts a given bootstrap key (any 16+ characters) and counts revoked keys too', async () => {
    const s = store();
    const startCount = await s.count();
    const plain = 'my-bootstrap-admin-key-123';
    const { key, record } = await s.create('admin', { plainKey: plain, name: 'bootstrap' });
    assert.equal(key, plain);
    assert.deepEqual(await s.verify(plain), record);
    assert.equal(await s.verify(plain + ' '), null);
    // a given key that looks like a generated one still verifies (by its whole-string hash)
    const lookalike = `weft_${'a'.repeat(16)}_${'B'.repeat(43)}`;
    const la = await s.create('viewer', { plainKey: lookalike });
    assert.deepEqual(await s.verify(lookalike), la.record);
    await assert.rejects(s.create('admin', { plainKey: plain }), { code: 'WF_CONFLICT' });
    await assert.rejects(s.create('admin', { plainKey: 'too-short' }), { code: 'WF_VALIDATION' });
    await assert.rejects(s.create('root' as never), { code: 'WF_VALIDATION' });
    await s.revoke(record.id);
    assert.equal(await s.verify(plain), null);
    assert.equal(await s.count(), startCount + 2);
  });
}

describe('InMemoryApiKeyStore', () => {
  const s = new InMemoryApiKeyStore();
  apiKeyStoreContract(() => s);
});

describeDialects('SqlApiKeyStore', (ctx) => {
  let p: Persistence;
  before(async () => {
    p = await ctx.open();
  });
  apiKeyStoreContract(
    () => p.apiKeyStore,
    () => p,
  );
});
