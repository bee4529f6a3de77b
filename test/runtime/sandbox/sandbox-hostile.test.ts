import assert from 'node:assert/strict';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { ErrorCodes } from '../../../core/errors/error-codes';
import { expectSandboxError, TEST_LIMITS } from './sandbox-test-helpers';

/**
 * Hostile user code: every attempt ends in a SandboxError, the process stays up and the next
 * run on the same sandbox still works (checked after each test).
 */
describe('IsolatedVmSandbox — hostile code', function () {
  let sandbox: IsolatedVmSandbox;
  const run = (code: string, args: Record<string, unknown> = {}, limits?: object) => sandbox.run({ code, args, limits });

  before(() => {
    sandbox = new IsolatedVmSandbox({ defaults: TEST_LIMITS, poolSize: 2 });
  });
  afterEach(async () => {
    assert.equal(await run('return input * 2', { input: 21 }), 42, 'the next run works');
  });
  after(() => sandbox.dispose());

  describe('escapes to the host realm', () => {
    it('this.constructor.constructor("return process")()', async () => {
      await expectSandboxError(
        run(`return this.constructor.constructor('return process')().pid`),
        ErrorCodes.WF_SANDBOX,
        /process is not defined/,
      );
    });

    it('computed and template-literal keys', async () => {
      await expectSandboxError(
        run("const c = 'constr' + 'uctor'; return this[c][c]('return process')().mainModule"),
        ErrorCodes.WF_SANDBOX,
        /process is not defined/,
      );
      await expectSandboxError(
        run("const k = `${'con'}struc${'tor'}`; return input[k][k]('return require')()('child_process')", { input: {} }),
        ErrorCodes.WF_SANDBOX,
        /require is not defined/,
      );
    });

    it('with blocks', async () => {
      await expectSandboxError(
        run("with (this) { return constructor.constructor('return process')().exit(1) }"),
        ErrorCodes.WF_SANDBOX,
        /process is not defined/,
      );
    });

    it('Error.prepareStackTrace reaches only the sandbox realm', async () => {
      const code = `
        Error.prepareStackTrace = (err, frames) => frames.map((f) => f.getThis() || f.getFunction());
        const seen = new Error('probe').stack;
        for (const v of seen) {
          if (v && v.process) return 'host process reached';
          if (v && typeof v.require === 'function') return 'host require reached';
        }
        // Every receiver belongs to the isolate: its Function cannot see the host either.
        return seen.find(Boolean).constructor.constructor('return process')();`;
      await expectSandboxError(run(code), ErrorCodes.WF_SANDBOX, /process is not defined/);
    });

    it('nothing of isolated-vm is visible: arguments are plain copies, host-ish globals are gone', async () => {
      const out = (await run(
        `return {
           names: Object.getOwnPropertyNames(globalThis).filter((n) => /^(ivm|isolate|Isolate|Reference|Callback|ExternalCopy|Copy|require|process|module|global|\\$\\d)$/i.test(n) || /ivm|isolat/i.test(n)),
           inputProto: Object.getPrototypeOf(input) === Object.prototype,
           argCount: arguments.length,
           removed: ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'WeakRef', 'console'].filter((n) => n in globalThis),
         }`,
        { input: { a: 1 }, variables: {} },
      )) as Record<string, unknown>;
      assert.deepEqual(out, { names: [], inputProto: true, argCount: 2, removed: [] });
    });
  });

  describe('promise and async tricks', () => {
    it('a then-able return whose then() tries to escape', async () => {
      await expectSandboxError(
        run(`return { then(resolve) { resolve(this.constructor.constructor('return process')()) } }`),
        ErrorCodes.WF_SANDBOX,
        /process is not defined/,
      );
    });

    it('a then-able that never calls back ends at the wall clock', async () => {
      await expectSandboxError(run('return { then() {} }'), ErrorCodes.WF_SANDBOX_TIMEOUT, /wall-clock limit of 600 ms/);
    });

    it('Promise.prototype.then overrides cannot hijack the result', async () => {
      await expectSandboxError(
        run('Promise.prototype.then = function () { return 7 }; return (async () => 5)()'),
        ErrorCodes.WF_SANDBOX_TIMEOUT,
        /wall-clock/,
      );
    });

    it('while(true) after await', async () => {
      await expectSandboxError(
        run('await null; await Promise.resolve(); while (true) {}'),
        ErrorCodes.WF_SANDBOX_TIMEOUT,
        /CPU time limit of 250 ms/,
      );
    });

    it('a never-settling promise', async () => {
      await expectSandboxError(run('await new Promise(() => {})'), ErrorCodes.WF_SANDBOX_TIMEOUT, /wall-clock limit of 600 ms/);
    });
  });

  describe('returned values are serialised inside the isolate', () => {
    it('a throwing getter', async () => {
      await expectSandboxError(
        run('return { get x() { throw new Error("boom") } }'),
        ErrorCodes.WF_SANDBOX,
        /not JSON-serialisable: Error: boom/,
      );
    });

    it('a getter that loops forever stays under the CPU limit', async () => {
      await expectSandboxError(run('return { get x() { for (;;) {} } }'), ErrorCodes.WF_SANDBOX_TIMEOUT);
    });

    it('toJSON that reaches for the host', async () => {
      await expectSandboxError(
        run(`return { toJSON() { return this.constructor.constructor('return process')().env } }`),
        ErrorCodes.WF_SANDBOX,
        /process is not defined/,
      );
    });

    it('a proxy whose traps throw', async () => {
      await expectSandboxError(
        run('return new Proxy({}, { ownKeys() { throw new RangeError("trap") } })'),
        ErrorCodes.WF_SANDBOX,
        /RangeError: trap/,
      );
    });

    it('getters, toJSON and proxies that behave are honoured', async () => {
      const out = await run(
        'return { get a() { return 1 }, b: { toJSON() { return "B" } }, c: new Proxy({}, { ownKeys: () => ["k"], getOwnPropertyDescriptor: () => ({ value: 3, enumerable: true, configurable: true }), get: () => 3 }) }',
      );
      assert.deepEqual(out, { a: 1, b: 'B', c: { k: 3 } });
    });

    it('Object.prototype.toJSON cannot forge the error channel', async () => {
      await expectSandboxError(
        run('Object.prototype.toJSON = () => "forged"; throw new Error("real")'),
        ErrorCodes.WF_SANDBOX,
        /^Error: real$/,
      );
    });
  });

  describe('resource limits', () => {
    it('an infinite loop', async () => {
      await expectSandboxError(run('for (;;) {}'), ErrorCodes.WF_SANDBOX_TIMEOUT, /CPU time limit of 250 ms exceeded/);
    });

    it('a memory bomb', async () => {
      const err = await expectSandboxError(
        run('const a = []; for (;;) a.push(new Array(100000).fill(1.5));', {}, { cpuMs: 10_000, wallMs: 20_000 }),
        ErrorCodes.WF_SANDBOX_MEMORY,
        /memory limit of 32 MB exceeded/,
      );
      assert.deepEqual(err.details, { limit: 'memoryMb', value: 32 });
    });

    it('an ArrayBuffer bomb', async () => {
      await expectSandboxError(
        run('const a = []; for (;;) a.push(new ArrayBuffer(1e7));', {}, { cpuMs: 10_000, wallMs: 20_000 }),
        ErrorCodes.WF_SANDBOX_MEMORY,
      );
    });

    it('a huge string over the output cap', async () => {
      await expectSandboxError(run('return "x".repeat(200 * 1024)'), ErrorCodes.WF_SANDBOX_OUTPUT, /output limit of 65536 bytes/);
    });

    it('a huge array over the output cap', async () => {
      await expectSandboxError(run('return new Array(100000).fill(12345)'), ErrorCodes.WF_SANDBOX_OUTPUT);
    });

    it('multi-byte text is measured in UTF-8 bytes', async () => {
      // 30,000 code units but 90,000 bytes: over the 64 KiB cap.
      await expectSandboxError(run('return "€".repeat(30000)'), ErrorCodes.WF_SANDBOX_OUTPUT, /at least 90002 bytes/);
    });

    it('deep recursion', async () => {
      // Filling the stack took 100–400 ms of CPU here (on Node 20, 22 and 24 alike, more under load):
      // the test's 250 ms CPU limit must not race the stack overflow this test is about.
      await expectSandboxError(
        run('function f(n) { return f(n + 1) + 1 } return f(0)', {}, { cpuMs: 10_000, wallMs: 20_000 }),
        ErrorCodes.WF_SANDBOX,
        /Maximum call stack size exceeded/,
      );
    });

    it('a catastrophic regular expression', async () => {
      await expectSandboxError(run('return /(a+)+$/.test("a".repeat(40) + "b")'), ErrorCodes.WF_SANDBOX_TIMEOUT);
    });
  });

  it('input mutation is not visible to the host (copies in and out)', async () => {
    const input = { list: [1, 2], nested: { a: 1 } };
    const variables = { v: 1 };
    const out = (await run('input.list.push(3); input.nested.a = 2; input.extra = true; return input', { input, variables })) as object;
    assert.deepEqual(input, { list: [1, 2], nested: { a: 1 } });
    assert.deepEqual(out, { list: [1, 2, 3], nested: { a: 2 }, extra: true });
    assert.notEqual(out, input);
  });

  it('variables are deeply read-only', async () => {
    await expectSandboxError(
      run('"use strict"; variables.deep.x = 2', { variables: { deep: { x: 1 } } }),
      ErrorCodes.WF_SANDBOX,
      /read only/,
    );
    assert.deepEqual(await run('variables.deep.x = 2; variables.y = 3; return variables', { variables: { deep: { x: 1 } } }), {
      deep: { x: 1 },
    });
  });
});
