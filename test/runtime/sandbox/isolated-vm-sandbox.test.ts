import assert from 'node:assert/strict';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { loadIsolatedVm } from '../../../runtime/sandbox/isolated-vm-loader';
import { sandboxBinding } from '../../../runtime/sandbox/sandbox.bindings';
import { loadConfig } from '../../../runtime/config/weft-config';
import { Tokens } from '../../../core/di/tokens';
import { ErrorCodes } from '../../../core/errors/error-codes';
import { CancelledError, SandboxError, TimeoutError } from '../../../core/errors/weft-error';
import { silentLogger, type Logger } from '../../../core/services/logger';
import { startTestKernel } from '../../support/test-kernel';
import { expectSandboxError, TEST_LIMITS } from './sandbox-test-helpers';
import { waitFor } from '../../support/wait-for';

describe('IsolatedVmSandbox', function () {
  let sandbox: IsolatedVmSandbox;
  const run = (code: string, args: Record<string, unknown> = {}, extra: object = {}) => sandbox.run({ code, args, ...extra });
  /** Waits until `sb` has a run that holds its isolate and has its fresh context (its code is starting). */
  const runStarted = (sb: IsolatedVmSandbox) => {
    const before = sb.stats();
    return () =>
      waitFor(() => {
        const now = sb.stats();
        // its context was ready when it took it (a prepared hit) or has been made since
        return now.runs > before.runs && (now.preparedHits > before.preparedHits || now.contextsCreated > before.contextsCreated);
      }, 'the run to start in its isolate');
  };

  beforeEach(() => {
    sandbox = new IsolatedVmSandbox({ defaults: TEST_LIMITS, poolSize: 2 });
  });
  afterEach(() => sandbox.dispose());

  it('runs the code as an async function of the args and returns a parsed copy', async () => {
    const out = await run('const total = input.items.reduce((a, b) => a + b, 0); await null; return { total, label: variables.label }', {
      input: { items: [1, 2, 3] },
      variables: { label: 'sum' },
    });
    assert.deepEqual(out, { total: 6, label: 'sum' });
  });

  it('returns null when the code returns nothing', async () => {
    assert.equal(await run('const x = 1;'), null);
    assert.equal(await run('return () => 1'), null);
  });

  it('args that are undefined are still parameters', async () => {
    assert.equal(await run('return typeof input', { input: undefined, variables: {} }), 'undefined');
  });

  it('turns user exceptions into SandboxError with their name and message, without host frames', async () => {
    const err = await expectSandboxError(
      run('throw new TypeError("bad row " + input)', { input: 7 }),
      ErrorCodes.WF_SANDBOX,
      /^TypeError: bad row 7$/,
    );
    assert.deepEqual((err.details as { name: string }).name, 'TypeError');
    assert.doesNotMatch(err.stack ?? '', /node:internal|isolated-vm|node_modules|\/dist\//);
    await expectSandboxError(run('throw "plain string"'), ErrorCodes.WF_SANDBOX, /^Error: plain string$/);
    await expectSandboxError(run('throw { get message() { throw 1 }, get name() { throw 2 } }'), ErrorCodes.WF_SANDBOX, /^Error: $/);
  });

  it('reports code that does not compile', async () => {
    await expectSandboxError(run('return }'), ErrorCodes.WF_SANDBOX, /does not compile: SyntaxError/);
  });

  it('reports results that are not JSON-serialisable', async () => {
    await expectSandboxError(run('const a = {}; a.self = a; return a'), ErrorCodes.WF_SANDBOX, /not JSON-serialisable: TypeError/);
    await expectSandboxError(run('return 10n'), ErrorCodes.WF_SANDBOX, /BigInt/);
  });

  it('refuses args that are not identifiers or not JSON', async () => {
    await expectSandboxError(run('return 1', { 'a-b': 1 }), ErrorCodes.WF_SANDBOX, /not a valid identifier/);
    await expectSandboxError(run('return 1', { this: 1 }), ErrorCodes.WF_SANDBOX, /not a valid identifier/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectSandboxError(run('return 1', { input: cyclic }), ErrorCodes.WF_SANDBOX, /not JSON-serialisable/);
  });

  it('gives every run a fresh context: globals and prototype changes do not carry over', async () => {
    await run('globalThis.leak = 1; Object.prototype.polluted = true; Array.prototype.map = null; return 1');
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await run('return [typeof leak, typeof ({}).polluted, typeof [].map]'), ['undefined', 'undefined', 'function']);
    }
  });

  it('reuses pooled isolates across runs', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await run('return input + 1', { input: i }), i + 1);
    const stats = sandbox.stats();
    assert.ok(stats.isolatesCreated <= 2, `isolates created: ${stats.isolatesCreated}`);
    assert.equal(stats.runs, 10);
    assert.ok(stats.reusedRuns >= 8, `reused runs: ${stats.reusedRuns}`);
    assert.ok(stats.contextsCreated >= 10, 'one context per run');
  });

  it('serves concurrent runs beyond the pool size by queueing', async () => {
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => run('await null; return input * input', { input: i })));
    assert.deepEqual(results, [0, 1, 4, 9, 16, 25, 36]);
    assert.ok(sandbox.stats().liveIsolates <= 2);
  });

  it('keys isolates by memory limit and applies per-run limits', async () => {
    assert.equal(await run('return 1', {}, { limits: { memoryMb: 16 } }), 1);
    assert.equal(await run('return 2'), 2);
    assert.ok(sandbox.stats().liveIsolates <= 2);
    await expectSandboxError(run('for (;;) {}', {}, { limits: { cpuMs: 50 } }), ErrorCodes.WF_SANDBOX_TIMEOUT, /50 ms/);
    await expectSandboxError(run('return "x".repeat(20)', {}, { limits: { outputBytes: 10 } }), ErrorCodes.WF_SANDBOX_OUTPUT, /10 bytes/);
  });

  it('replaces the isolate after a breach', async () => {
    await run('return 1');
    const before = sandbox.stats();
    await expectSandboxError(run('for (;;) {}'), ErrorCodes.WF_SANDBOX_TIMEOUT);
    assert.equal(await run('return 2'), 2);
    const after = sandbox.stats();
    assert.equal(after.isolatesDisposed, before.isolatesDisposed + 1);
    assert.equal(after.breaches, 1);
  });

  describe('abort signal', () => {
    it('propagates a weft error given as the reason and ends the running code', async () => {
      const controller = new AbortController();
      const started = runStarted(sandbox);
      const running = run('for (;;) {}', {}, { signal: controller.signal, limits: { cpuMs: 10_000, wallMs: 10_000 } });
      await started();
      controller.abort(new TimeoutError('node timed out'));
      await assert.rejects(running, (e: unknown) => e instanceof TimeoutError && e.message === 'node timed out');
      assert.equal(await run('return "alive"'), 'alive');
    });

    it('turns a plain abort into CancelledError and AbortSignal.timeout into TimeoutError', async () => {
      const controller = new AbortController();
      const started = runStarted(sandbox);
      const running = run('await new Promise(() => {})', {}, { signal: controller.signal, limits: { wallMs: 10_000 } });
      await started();
      controller.abort();
      await assert.rejects(running, (e: unknown) => e instanceof CancelledError && e.code === ErrorCodes.WF_CANCELLED);
      await assert.rejects(
        run('await new Promise(() => {})', {}, { signal: AbortSignal.timeout(30), limits: { wallMs: 10_000 } }),
        (e: unknown) => e instanceof TimeoutError,
      );
    });

    it('ends a run still waiting for a busy pool', async () => {
      const local = new IsolatedVmSandbox({ defaults: { ...TEST_LIMITS, wallMs: 10_000 }, poolSize: 1 });
      try {
        const busy = new AbortController();
        const first = local.run({ code: 'await new Promise(() => {})', args: {}, signal: busy.signal }).catch((e: unknown) => e);
        const waiting = new AbortController();
        const second = local.run({ code: 'return 1', args: {}, signal: waiting.signal });
        await waitFor(() => local.stats().waiting === 1, 'the second run to wait for the pool');
        waiting.abort();
        await assert.rejects(second, CancelledError);
        assert.equal(local.stats().waiting, 0);
        busy.abort();
        assert.ok((await first) instanceof CancelledError);
        assert.equal(await local.run({ code: 'return "next"', args: {} }), 'next');
      } finally {
        await local.dispose();
      }
    });

    it('does not start a run whose signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(run('return 1', {}, { signal: controller.signal }), CancelledError);
      assert.equal(sandbox.stats().runs, 0);
    });
  });

  it('handles onCatastrophicError: logs, fails the run, keeps serving', async () => {
    const handlers: Array<(message: string) => void> = [];
    const logged: unknown[] = [];
    const logger: Logger = { ...silentLogger, error: (obj: unknown) => void logged.push(obj), child: () => logger };
    const local = new IsolatedVmSandbox({
      defaults: { ...TEST_LIMITS, wallMs: 10_000 },
      poolSize: 1,
      logger,
      createIsolate: (options) => {
        handlers.push(options.onCatastrophicError!);
        return new (loadIsolatedVm().ivm.Isolate)(options);
      },
    });
    try {
      const started = runStarted(local);
      const running = local.run({ code: 'await new Promise(() => {})', args: {} });
      await started();
      assert.equal(handlers.length, 1, 'the isolate was given a catastrophic error handler');
      handlers[0]!('Catastrophic out-of-memory error');
      await assert.rejects(
        running,
        (e: unknown) => e instanceof SandboxError && /catastrophically: Catastrophic out-of-memory error/.test(e.message),
      );
      assert.equal(logged.length, 1);
      assert.equal(await local.run({ code: 'return "alive"', args: {} }), 'alive');
      assert.equal(handlers.length, 2, 'a new isolate replaced the abandoned one');
    } finally {
      await local.dispose();
    }
  });

  it('dispose() ends running and waiting runs and refuses new ones', async () => {
    const local = new IsolatedVmSandbox({ defaults: { ...TEST_LIMITS, wallMs: 10_000 }, poolSize: 1 });
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => e,
      );
    const started = runStarted(local);
    const running = settle(local.run({ code: 'await new Promise(() => {})', args: {} }));
    const waiting = settle(local.run({ code: 'return 1', args: {} }));
    await started();
    await waitFor(() => local.stats().waiting === 1, 'the second run to wait for the pool');
    await local.dispose();
    assert.ok((await running) instanceof SandboxError);
    assert.ok((await waiting) instanceof SandboxError);
    await assert.rejects(local.run({ code: 'return 1', args: {} }), /disposed/);
    assert.equal(local.stats().liveIsolates, 0);
  });

  it('answers before recycling the context; a run or a dispose right after the answer is still served', async () => {
    const local = new IsolatedVmSandbox({ defaults: TEST_LIMITS, poolSize: 1 });
    await local.warmUp();
    assert.equal(await local.run({ code: 'return 1', args: {} }), 1);
    // The slot is handed back (and its next context started) only after the caller has the answer.
    assert.equal(local.stats().idleIsolates, 0);
    assert.equal(await local.run({ code: 'return 2', args: {} }), 2);
    assert.equal(local.stats().isolatesCreated, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(local.stats().idleIsolates, 1);
    assert.equal(await local.run({ code: 'return 3', args: {} }), 3);
    // Disposed in the gap between the answer and the recycling: the isolate still goes.
    await local.dispose();
    assert.deepEqual([local.stats().liveIsolates, local.stats().isolatesDisposed], [0, 1]);
    await new Promise((r) => setImmediate(r));
    assert.equal(local.stats().liveIsolates, 0);
  });

  it('warmUp() prepares isolates and contexts ahead of the first run', async () => {
    await sandbox.warmUp();
    assert.equal(sandbox.stats().isolatesCreated, 2);
    assert.equal(await run('return 1'), 1);
    assert.equal(sandbox.stats().preparedHits, 1);
  });

  it('sandboxBinding builds it from the configuration, and kernel stop disposes it', async () => {
    const config = loadConfig({ WEFT_SANDBOX_CPU_MS: '77', WEFT_SANDBOX_POOL_SIZE: '1' });
    const kernel = startTestKernel({ services: [sandboxBinding(config)] });
    const bound = kernel.get(Tokens.Sandbox) as IsolatedVmSandbox;
    assert.ok(bound instanceof IsolatedVmSandbox);
    await expectSandboxError(bound.run({ code: 'for (;;) {}', args: {} }), ErrorCodes.WF_SANDBOX_TIMEOUT, /77 ms/);
    await kernel.stop();
    await assert.rejects(bound.run({ code: 'return 1', args: {} }), /disposed/);
  });
});
