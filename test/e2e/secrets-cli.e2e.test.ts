import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeft } from '../support/run-weft';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';

describe('weft secrets (CLI)', function () {
  this.timeout(120_000);
  let temp: TempDir;
  const VALUE = 'cli-secret-value-0a1b2c3d';
  before(() => (temp = makeTempDir('weft-secrets-cli-')));
  after(() => temp.remove());

  it('sets from stdin only, lists names without values, removes; a wrong WEFT_SECRETS_KEY stops `weft serve` with a clear message', async () => {
    const key = randomBytes(32).toString('base64');
    const env = { WEFT_DATA_DIR: temp.dir, WEFT_SECRETS_KEY: key, WEFT_LOG_LEVEL: 'silent' };
    const set = await runWeft(['secrets', 'set', 'API_TOKEN'], { env, stdin: `${VALUE}\n` });
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(VALUE) && !set.stderr.includes(VALUE));
    const extra = await runWeft(['secrets', 'set', 'API_TOKEN', VALUE], { env, stdin: '' });
    assert.notEqual(extra.code, 0, 'a value on the command line is refused (argv shows in ps and shell history)');
    const list = await runWeft(['secrets', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^API_TOKEN\t\d{4}-\d\d-\d\dT[^\t]+\t\d{4}-/);
    assert.ok(!list.stdout.includes(VALUE));
    for (const f of readdirSync(temp.dir)) assert.equal(readFileSync(join(temp.dir, f)).indexOf(VALUE), -1, `${f} holds the plaintext`);

    const wrong = await runWeft(['serve'], {
      env: { ...env, WEFT_PORT: '0', WEFT_SECRETS_KEY: randomBytes(32).toString('base64') },
      timeoutMs: 30_000,
    });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr + wrong.stdout, /the secrets key does not decrypt the stored secrets/);
    assert.ok(!(wrong.stderr + wrong.stdout).includes(VALUE));

    const rm = await runWeft(['secrets', 'rm', 'API_TOKEN'], { env });
    assert.equal(rm.code, 0, rm.stderr);
    const again = await runWeft(['secrets', 'rm', 'API_TOKEN'], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /secret "API_TOKEN" not found/);
    assert.equal((await runWeft(['secrets', 'list'], { env })).stdout, '');
  });
});
