import assert from 'node:assert/strict';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PiscinaWorkerPool } from '../../../runtime/worker-pool/piscina-worker-pool';
import { workerPoolBinding } from '../../../runtime/worker-pool/worker-pool.bindings';
import { loadConfig } from '../../../runtime/config/weft-config';
import { Tokens } from '../../../core/di/tokens';
import { ErrorCodes } from '../../../core/errors/error-codes';
import { CancelledError, NodeExecutionError, TimeoutError, TransientError, WeftError } from '../../../core/errors/weft-error';
import { startTestKernel } from '../../support/test-kernel';
import { waitFor } from '../../support/wait-for';

/** A flag the `spin` task sets in its thread as it starts, and a wait for it. */
function spinning(): { flag: SharedArrayBuffer; started: () => Promise<unknown> } {
  const flag = new SharedArrayBuffer(4);
  return { flag, started: () => waitFor(() => Atomics.load(new Int32Array(flag), 0) === 1, 'the spin task to run on a thread') };
}

const FIXTURE = join(__dirname, 'fixtures', 'sample.worker.js');

describe('PiscinaWorkerPool', function () {
  let pool: PiscinaWorkerPool;

  beforeEach(() => {
    pool = new PiscinaWorkerPool({ size: 2 });
  });
  afterEach(() => pool.dispose());

  it('starts lazily and runs the named export in another thread', async () => {
    assert.equal(pool.stats().started, false);
    const out = await pool.run<{ threadId: number; echo: unknown }>(FIXTURE, 'whereAmI', { echo: { a: [1, 2] } });
    assert.notEqual(out.threadId, threadId);
    assert.ok(out.threadId > 0);
    assert.deepEqual(out.echo, { a: [1, 2] });
    assert.equal(pool.stats().started, true);
  });

  it('uses at most `size` threads for concurrent tasks', async () => {
    const outs = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.run<{ threadId: number }>(FIXTURE, 'whereAmI', { echo: i })));
    const threads = new Set(outs.map((o) => o.threadId));
    assert.ok(threads.size >= 1 && threads.size <= 2, `threads used: ${[...threads].join(',')}`);
  });

  it('brings weft errors back with their class, code and retry hint', async () => {
    await assert.rejects(pool.run(FIXTURE, 'throwWeft', null), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.equal(e.code, 'WF_HTTP_STATUS');
      assert.equal(e.retryable, true);
      assert.equal(e.retryAfterMs, 1500);
      return true;
    });
  });

  it('turns other errors into weft errors with code WF_WORKER', async () => {
    await assert.rejects(pool.run(FIXTURE, 'throwPlain', null), (e: unknown) => {
      assert.ok(e instanceof NodeExecutionError);
      assert.equal(e.code, ErrorCodes.WF_WORKER);
      assert.match(e.message, /TypeError: plain failure in a worker/);
      return true;
    });
    await assert.rejects(
      pool.run(FIXTURE, 'noSuchExport', null),
      (e: unknown) => e instanceof WeftError && e.code === ErrorCodes.WF_WORKER && /no exported function "noSuchExport"/.test(e.message),
    );
    await assert.rejects(
      pool.run('relative/path.js', 'x', null),
      (e: unknown) => e instanceof WeftError && e.code === ErrorCodes.WF_WORKER,
    );
    await assert.rejects(
      pool.run(FIXTURE, 'whereAmI', { echo: () => 1 }),
      (e: unknown) => e instanceof WeftError && e.code === ErrorCodes.WF_WORKER,
    );
  });

  it('aborts a running task: CancelledError, the reason when it is a weft error, TimeoutError for AbortSignal.timeout', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const first = spinning();
    const running = pool.run(FIXTURE, 'spin', { ms: 20_000, started: first.flag }, controller.signal);
    await first.started();
    controller.abort();
    await assert.rejects(running, CancelledError);
    assert.ok(Date.now() - started < 10_000, 'did not wait for the task to finish');

    const withReason = new AbortController();
    const next = spinning();
    const second = pool.run(FIXTURE, 'spin', { ms: 20_000, started: next.flag }, withReason.signal);
    await next.started();
    withReason.abort(new TimeoutError('node "x" timed out after 40 ms'));
    await assert.rejects(second, (e: unknown) => e instanceof TimeoutError && /node "x"/.test(e.message));

    await assert.rejects(pool.run(FIXTURE, 'spin', { ms: 20_000 }, AbortSignal.timeout(40)), TimeoutError);
    // The pool still serves.
    assert.equal((await pool.run<{ echo: number }>(FIXTURE, 'whereAmI', { echo: 5 })).echo, 5);
  });

  it('dispose() destroys the threads and refuses new tasks', async () => {
    const task = spinning();
    const pending = pool.run(FIXTURE, 'spin', { ms: 20_000, started: task.flag }).then(
      () => null,
      (e: unknown) => e,
    );
    await task.started();
    await pool.dispose();
    const err = await pending;
    assert.ok(err instanceof WeftError && err.code === ErrorCodes.WF_WORKER, `got ${String(err)}`);
    await assert.rejects(pool.run(FIXTURE, 'whereAmI', { echo: 1 }), /disposed/);
    assert.equal(pool.stats().started, false);
  });

  it('workerPoolBinding builds it from the configuration; kernel stop disposes it', async () => {
    const kernel = startTestKernel({ services: [workerPoolBinding(loadConfig({ WEFT_WORKER_POOL_SIZE: '1' }))] });
    const bound = kernel.get(Tokens.WorkerPool) as PiscinaWorkerPool;
    assert.ok(bound instanceof PiscinaWorkerPool);
    assert.equal((await bound.run<{ echo: string }>(FIXTURE, 'whereAmI', { echo: 'hi' })).echo, 'hi');
    await kernel.stop();
    await assert.rejects(bound.run(FIXTURE, 'whereAmI', { echo: 1 }), /disposed/);
  });
});
