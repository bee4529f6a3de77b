import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../runtime/config/weft-config';
import { ConfigurationError } from '../../../core/errors/weft-error';
import { makeTempDir } from '../../support/sqlite-temp';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './data');
    assert.equal(c.databaseUrl, null);
    assert.deepEqual(c.plugins, []);
    assert.equal(c.sandboxCpuMs, 1000);
    assert.equal(c.sandboxMemoryMb, 128);
    // defences on by default
    assert.equal(c.authFailLimitPerMinute, 120);
    assert.equal(c.hookRateLimitPerMinute, 600);
    assert.deepEqual(
      [c.sandboxMaxCpuMs, c.sandboxMaxWallMs, c.sandboxMaxMemoryMb, c.sandboxMaxOutputBytes],
      [10_000, 60_000, 512, 64 * 1024 * 1024],
    );
  });

  it('refuses sandbox defaults above their ceilings, naming both settings', () => {
    assert.throws(
      () => loadConfig({ WEFT_SANDBOX_CPU_MS: '20000', WEFT_SANDBOX_MAX_MEMORY_MB: '64' }),
      (err: unknown) =>
        err instanceof ConfigurationError &&
        /WEFT_SANDBOX_CPU_MS: 20000 is above WEFT_SANDBOX_MAX_CPU_MS \(10000\)/.test(err.message) &&
        /WEFT_SANDBOX_MEMORY_MB: 128 is above WEFT_SANDBOX_MAX_MEMORY_MB \(64\)/.test(err.message),
    );
  });

  it('parses typed values and lists', () => {
    const c = loadConfig({ WEFT_PORT: '9000', WEFT_PLUGINS: 'a, ./b ,', WEFT_TRUST_PROXY: 'true', DATABASE_URL: 'postgres://u@h/db' });
    assert.equal(c.port, 9000);
    assert.deepEqual(c.plugins, ['a', './b']);
    assert.equal(c.trustProxy, true);
    assert.equal(c.databaseUrl, 'postgres://u@h/db');
  });

  it('stops on unknown and malformed settings, naming every one', () => {
    assert.throws(
      () => loadConfig({ WEFT_PROT: '1', WEFT_PORT: 'eighty', WEFT_LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        /WEFT_PROT: unknown setting/.test(e.message) &&
        /WEFT_PORT: "eighty" is not a valid int/.test(e.message),
    );
    assert.throws(() => loadConfig({ WEFT_LOG_LEVEL: 'loud' }), /WEFT_LOG_LEVEL/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ WEFT_PORT: '70000' }), /WEFT_PORT/);
  });

  it('WEFT_INLINE_OUTPUT_BYTES: 256 KiB by default; a bad value stops the start naming it', () => {
    assert.equal(loadConfig({}).inlineOutputBytes, 262_144);
    assert.equal(loadConfig({ WEFT_INLINE_OUTPUT_BYTES: '1024' }).inlineOutputBytes, 1024);
    assert.throws(
      () => loadConfig({ WEFT_INLINE_OUTPUT_BYTES: 'big' }),
      (e: unknown) => e instanceof ConfigurationError && /WEFT_INLINE_OUTPUT_BYTES: "big" is not a valid int/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ WEFT_INLINE_OUTPUT_BYTES: '-1' }),
      (e: unknown) => e instanceof ConfigurationError && /WEFT_INLINE_OUTPUT_BYTES/.test(e.message),
    );
  });

  it('WEFT_CONSOLE: on by default, false/0 turn the console off, anything else stops the start', () => {
    assert.equal(loadConfig({}).console, true);
    assert.equal(loadConfig({ WEFT_CONSOLE: 'false' }).console, false);
    assert.equal(loadConfig({ WEFT_CONSOLE: '0' }).console, false);
    assert.throws(() => loadConfig({ WEFT_CONSOLE: 'off' }), /WEFT_CONSOLE: "off" is not a valid bool/);
  });

  it('reads the WEFT_CONFIG file; the environment wins; unknown file keys are refused', () => {
    const tmp = makeTempDir();
    try {
      const file = path.join(tmp.dir, 'weft.json');
      writeFileSync(file, JSON.stringify({ WEFT_PORT: 7000, WEFT_HOST: '0.0.0.0' }));
      const c = loadConfig({ WEFT_CONFIG: file, WEFT_HOST: '127.0.0.2' });
      assert.equal(c.port, 7000);
      assert.equal(c.host, '127.0.0.2');
      writeFileSync(file, JSON.stringify({ WEFT_NOPE: 1 }));
      assert.throws(() => loadConfig({ WEFT_CONFIG: file }), /WEFT_NOPE: unknown setting \(config file\)/);
      writeFileSync(file, '{ nope');
      assert.throws(() => loadConfig({ WEFT_CONFIG: file }), /WEFT_CONFIG: cannot read/);
    } finally {
      tmp.remove();
    }
  });
});
