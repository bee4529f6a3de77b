import assert from 'node:assert/strict';
import { InMemoryApiKeyStore } from '../../../core/store/in-memory-api-key-store';
import { CachedKeyVerifier } from '../../../api/middleware/cached-key-verifier';

describe('CachedKeyVerifier', () => {
  function counted(store: InMemoryApiKeyStore) {
    let calls = 0;
    const verify = store.verify.bind(store);
    store.verify = async (k: string) => {
      calls++;
      return verify(k);
    };
    return () => calls;
  }

  it('answers repeated verifications of a good key from memory until the TTL passes', async () => {
    const store = new InMemoryApiKeyStore();
    const calls = counted(store);
    const { key, record } = await store.create('viewer');
    let now = 1_000;
    const v = new CachedKeyVerifier(store, 5_000, 100, () => now);
    assert.deepEqual(await v.verify(key), record);
    assert.deepEqual(await v.verify(key), record);
    assert.equal(calls(), 1);
    await store.revoke(record.id);
    now += 4_999;
    assert.deepEqual(await v.verify(key), record, 'a revoked key lives at most the TTL');
    now += 2;
    assert.equal(await v.verify(key), null);
    assert.equal(calls(), 2);
  });

  it('never caches failures, so wrong keys cannot fill it', async () => {
    const store = new InMemoryApiKeyStore();
    const calls = counted(store);
    const v = new CachedKeyVerifier(store, 5_000);
    for (let i = 0; i < 3; i++) assert.equal(await v.verify('weft_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), null);
    assert.equal(calls(), 3);
  });

  it('stays within its size bound, and a TTL of 0 verifies every time', async () => {
    const store = new InMemoryApiKeyStore();
    const keys = await Promise.all([0, 1, 2].map(() => store.create('operator')));
    const calls = counted(store);
    const v = new CachedKeyVerifier(store, 60_000, 2);
    for (const k of keys) await v.verify(k.key);
    assert.equal((v as unknown as { entries: { size: number } }).entries.size, 2);
    await v.verify(keys[0]!.key); // evicted as the oldest
    assert.equal(calls(), 4);
    const uncached = new CachedKeyVerifier(store, 0);
    await uncached.verify(keys[1]!.key);
    await uncached.verify(keys[1]!.key);
    assert.equal(calls(), 6);
  });
});
