import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCodes } from '../../../core/errors/error-codes';
import { SandboxError } from '../../../core/errors/weft-error';
import { loadIsolatedVm } from '../../../runtime/sandbox/isolated-vm-loader';

const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('loadIsolatedVm', () => {
  it('loads the isolated-vm line made for this Node: 6.x on Node 22 and 24, 5.x on Node 20', () => {
    const { build, version, ivm } = loadIsolatedVm();
    const expected = nodeMajor >= 22 ? { build: 'isolated-vm-6', major: '6' } : { build: 'isolated-vm-5', major: '5' };
    assert.equal(build, expected.build);
    assert.equal(version.split('.')[0], expected.major, `isolated-vm ${version}`);
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    try {
      assert.equal(isolate.compileScriptSync('6 * 7').runSync(isolate.createContextSync()), 42);
    } finally {
      isolate.dispose();
    }
  });

  it('on Node 20 npm skipped the 6.x build (its engines need Node 22) instead of failing the install', function () {
    if (nodeMajor >= 22) this.skip();
    assert.throws(() => require.resolve('isolated-vm-6'), /Cannot find module 'isolated-vm-6'/);
  });

  it('names every build it tried and the Node version when none loads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-ivm-loader-'));
    try {
      // A real resolver rooted where 5.x is missing and 6.x is present but has no build for this Node.
      const broken = path.join(dir, 'node_modules', 'isolated-vm-6');
      mkdirSync(broken, { recursive: true });
      writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: 'isolated-vm-6', version: '6.0.0', main: 'main.js' }));
      writeFileSync(path.join(broken, 'main.js'), "throw new Error('No native build was found for this ABI')");
      const requireHere = createRequire(path.join(dir, 'index.js'));
      assert.throws(
        () => loadIsolatedVm(requireHere),
        (err: unknown) => {
          assert.ok(err instanceof SandboxError);
          assert.equal(err.code, ErrorCodes.WF_SANDBOX);
          assert.match(err.message, new RegExp(`on Node ${process.versions.node.replace(/\./g, '\\.')}`));
          assert.match(err.message, /isolated-vm-6: No native build was found for this ABI/);
          assert.match(err.message, /isolated-vm-5: Cannot find module 'isolated-vm-5'/);
          assert.match(err.message, /npm install/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
