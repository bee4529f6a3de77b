import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeDialects } from './dialect-harness';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence } from '../../../runtime/persistence/persistence';
import { makeTempDir } from '../../support/sqlite-temp';

const VALUE = 'sk_live_0123456789abcdefPLAINTEXT';
const KEY = randomBytes(32).toString('base64');

describeDialects(
  'SqlSecretStore',
  (ctx) => {
    it('stores values encrypted (no plaintext in any row), lists names and timestamps only, replaces and deletes', async () => {
      const p = await ctx.open();
      await p.secretStore.set('API_TOKEN', VALUE);
      await p.secretStore.set('OTHER_ONE', 'another-value-123');
      assert.equal(await p.secretStore.get('API_TOKEN'), VALUE);
      const rows = await p.executionStore.knex('secret').select('*');
      assert.equal(rows.length, 2);
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(VALUE) && !dump.includes(Buffer.from(VALUE).toString('base64')), 'no plaintext in the rows');
      const list = await p.secretStore.list();
      assert.deepEqual(
        list.map((s) => s.name),
        ['API_TOKEN', 'OTHER_ONE'],
      );
      assert.ok(!JSON.stringify(list).includes(VALUE));
      assert.deepEqual(Object.keys(list[0]!).sort(), ['createdAt', 'name', 'updatedAt']);
      // a fresh IV per write: the same value twice seals differently
      const before = rows.find((r: { name: string }) => r.name === 'API_TOKEN').sealed;
      await p.secretStore.set('API_TOKEN', VALUE);
      const after = (await p.executionStore.knex('secret').where({ name: 'API_TOKEN' }).first()).sealed;
      assert.notEqual(after, before);
      assert.equal(await p.secretStore.delete('OTHER_ONE'), true);
      assert.equal(await p.secretStore.delete('OTHER_ONE'), false);
      assert.equal(await p.secretStore.get('OTHER_ONE'), null);
      await assert.rejects(p.secretStore.set('lower', VALUE), { code: 'WF_VALIDATION' });
      await assert.rejects(p.secretStore.set('SHORT', 'short'), { code: 'WF_VALIDATION' });
    });

    it('binds a ciphertext to its name: moved to another name it fails to decrypt instead of answering', async () => {
      const p = await ctx.open();
      await p.secretStore.set('FIRST_NAME', VALUE);
      await p.secretStore.set('SECOND_NAME', 'second-value-456');
      const sealed = (await p.executionStore.knex('secret').where({ name: 'FIRST_NAME' }).first()).sealed;
      await p.executionStore.knex('secret').where({ name: 'SECOND_NAME' }).update({ sealed });
      await assert.rejects(p.secretStore.get('SECOND_NAME'), /authenticate/);
      await p.executionStore.knex('secret').where({ name: 'SECOND_NAME' }).delete();
    });

    it('refuses to start with a wrong key, clearly, and never returns garbage', async () => {
      const config = await ctx.freshConfig({ WEFT_SECRETS_KEY: KEY });
      const p = await openPersistence(config, undefined, { heartbeatMs: 0 });
      await p.secretStore.set('API_TOKEN', VALUE);
      await p.close();
      const wrong = { ...config, secretsKey: randomBytes(32).toString('base64') };
      await assert.rejects(openPersistence(wrong, undefined, { heartbeatMs: 0 }), /the secrets key does not decrypt the stored secrets/);
      await assert.rejects(
        openPersistence({ ...config, secretsKey: 'too-short' }, undefined, { heartbeatMs: 0 }),
        /WEFT_SECRETS_KEY must be 32 bytes in base64/,
      );
      const again = await openPersistence(config, undefined, { heartbeatMs: 0 });
      assert.equal(await again.secretStore.get('API_TOKEN'), VALUE);
      await again.close();
    });

    if (ctx.dialect === 'postgresql') {
      it('on PostgreSQL, WEFT_SECRETS_KEY is required once a secret exists (a clear start-up error)', async () => {
        const config = await ctx.freshConfig({ WEFT_SECRETS_KEY: KEY });
        const noKey = { ...config, secretsKey: null };
        const empty = await openPersistence(noKey, undefined, { heartbeatMs: 0 });
        await assert.rejects(
          empty.secretStore.set('API_TOKEN', VALUE),
          /WEFT_SECRETS_KEY is required to store or read secrets on PostgreSQL/,
        );
        await empty.close();
        const p = await openPersistence(config, undefined, { heartbeatMs: 0 });
        await p.secretStore.set('API_TOKEN', VALUE);
        await p.close();
        await assert.rejects(
          openPersistence(noKey, undefined, { heartbeatMs: 0 }),
          /WEFT_SECRETS_KEY is required: this PostgreSQL database holds 1 secret/,
        );
      });
    }
  },
  { WEFT_SECRETS_KEY: KEY },
);

describe('SQLite secrets key file', () => {
  it('is generated on first start as <dataDir>/secrets.key with mode 0600; the database file holds no plaintext', async () => {
    const temp = makeTempDir('weft-secrets-');
    try {
      const config = loadConfig({ WEFT_DATA_DIR: temp.dir });
      const p = await openPersistence(config, undefined, { heartbeatMs: 0 });
      const keyFile = join(temp.dir, 'secrets.key');
      assert.ok(existsSync(keyFile));
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32);
      await p.secretStore.set('API_TOKEN', VALUE);
      await p.close();
      for (const f of readdirSync(temp.dir)) {
        const bytes = readFileSync(join(temp.dir, f));
        assert.equal(bytes.indexOf(VALUE), -1, `${f} holds the plaintext`);
      }
      // the same key file opens it again
      const again = await openPersistence(config, undefined, { heartbeatMs: 0 });
      assert.equal(await again.secretStore.get('API_TOKEN'), VALUE);
      await again.close();
      // group- or other-readable: weft refuses to start
      chmodSync(keyFile, 0o640);
      await assert.rejects(
        openPersistence(config, undefined, { heartbeatMs: 0 }),
        /secrets\.key is readable by group or others \(mode 640\); run "chmod 600/,
      );
      chmodSync(keyFile, 0o604);
      await assert.rejects(openPersistence(config, undefined, { heartbeatMs: 0 }), /readable by group or others/);
    } finally {
      temp.remove();
    }
  });
});
