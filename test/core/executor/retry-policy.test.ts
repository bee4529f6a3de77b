import assert from 'node:assert/strict';
import { resolveRetryPolicy, retryDelayMs, shouldRetry, RETRY_DEFAULTS } from '../../../core/executor/retry-policy';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { NodeExecutionError, TimeoutError, TransientError } from '../../../core/errors/weft-error';
import { bind } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import type { Clock } from '../../../core/services/clock';

describe('retry policy', () => {
  it('fills in DESIGN defaults; no retry block means a single attempt', () => {
    assert.equal(resolveRetryPolicy(undefined), null);
    const p = resolveRetryPolicy({})!;
    assert.deepEqual({ ...p, retryOn: p.retryOn }, { ...RETRY_DEFAULTS, retryOn: null });
    assert.equal(RETRY_DEFAULTS.maxAttempts, 3);
    assert.equal(RETRY_DEFAULTS.initialDelayMs, 200);
    assert.equal(shouldRetry(null, 1, { type: 'TransientError', retryable: true }), false);
  });

  it('computes min(maxDelayMs, initialDelayMs * multiplier^(n-1)) without jitter', () => {
    const p = resolveRetryPolicy({ maxAttempts: 10, initialDelayMs: 100, multiplier: 3, maxDelayMs: 2000 })!;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(p, n)),
      [100, 300, 900, 2000, 2000],
    );
  });

  it('uses full jitter in [0, delay] when jitter is on', () => {
    const p = resolveRetryPolicy({ initialDelayMs: 100, multiplier: 2, jitter: true })!;
    assert.equal(
      retryDelayMs(p, 3, undefined, () => 0),
      0,
    );
    assert.equal(
      retryDelayMs(p, 3, undefined, () => 0.999999),
      400,
    );
    assert.equal(
      retryDelayMs(p, 3, undefined, () => 0.5),
      200,
    );
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(p, 2);
      assert.ok(d >= 0 && d <= 200);
    }
  });

  it('lets Retry-After replace the delay, still capped by maxDelayMs', () => {
    const p = resolveRetryPolicy({ initialDelayMs: 100, maxDelayMs: 5000, jitter: true })!;
    assert.equal(retryDelayMs(p, 1, 1234), 1234);
    assert.equal(retryDelayMs(p, 1, 60_000), 5000);
  });

  it('retries only retryable errors by default, and exactly the retryOn types when given', () => {
    const def = resolveRetryPolicy({ maxAttempts: 3 })!;
    assert.equal(shouldRetry(def, 1, { type: 'TransientError', retryable: true }), true);
    assert.equal(shouldRetry(def, 1, { type: 'NodeExecutionError', retryable: false }), false);
    assert.equal(shouldRetry(def, 3, { type: 'TransientError', retryable: true }), false, 'maxAttempts counts the first attempt');
    const only = resolveRetryPolicy({ retryOn: ['TimeoutError', 'TypeError'] })!;
    assert.equal(shouldRetry(only, 1, { type: 'TransientError', retryable: true }), false);
    assert.equal(shouldRetry(only, 1, { type: 'TypeError', retryable: false }), true);
  });

  describe('in the executor', () => {
    const sleeps: number[] = [];
    const fakeClock: Clock = { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
    let failures = 0;
    const kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          flaky: (input: { failTimes: number; kind: string }, ctx) => {
            if (ctx.attempt <= input.failTimes) {
              failures++;
              if (input.kind === 'transient')
                throw new TransientError(
                  `flaky ${ctx.attempt}`,
                  input.failTimes > 5 ? {} : { retryAfterMs: ctx.attempt === 2 ? 777 : undefined },
                );
              if (input.kind === 'timeout') throw new TimeoutError('slow');
              throw new NodeExecutionError('permanent');
            }
            return ctx.attempt;
          },
        }),
      ],
      overrides: [bind(Tokens.Clock, () => fakeClock)],
    });
    after(() => kernel.stop());
    const wf = (failTimes: number, kind: string, retry: object) => ({
      name: 'r',
      settings: { onNodeFailure: 'continue' as const },
      nodes: [{ id: 'n', type: 'fn', config: { fn: 'flaky', input: { failTimes, kind } }, retry }],
    });

    it('retries transient failures with backoff and counts attempts in the node entry', async () => {
      sleeps.length = 0;
      const doc = await kernel.executor.run(wf(3, 'transient', { maxAttempts: 5, initialDelayMs: 10, multiplier: 2 }));
      const n = doc.nodes[0]!;
      assert.equal(n.status, 'succeeded');
      assert.equal(n.attempts, 4);
      assert.equal(n.output, 4);
      assert.deepEqual(sleeps, [10, 777, 40], 'exponential backoff with Retry-After on attempt 2');
      assert.equal(n.attemptErrors!.length, 3);
      assert.deepEqual(
        n.attemptErrors!.map((e) => e.attempt),
        [1, 2, 3],
      );
    });

    it('fails at once on a non-retryable error', async () => {
      sleeps.length = 0;
      const doc = await kernel.executor.run(wf(3, 'permanent', { maxAttempts: 5, initialDelayMs: 10 }));
      assert.equal(doc.nodes[0]!.status, 'failed');
      assert.equal(doc.nodes[0]!.attempts, 1);
      assert.deepEqual(sleeps, []);
    });

    it('gives up after maxAttempts with the last error, and honours retryOn', async () => {
      const doc = await kernel.executor.run(wf(9, 'transient', { maxAttempts: 3, initialDelayMs: 1 }));
      assert.equal(doc.nodes[0]!.attempts, 3);
      assert.equal(doc.nodes[0]!.error!.message, 'flaky 3');
      const filtered = await kernel.executor.run(wf(2, 'timeout', { maxAttempts: 3, initialDelayMs: 1, retryOn: ['TransientError'] }));
      assert.equal(filtered.nodes[0]!.status, 'failed');
      assert.equal(filtered.nodes[0]!.attempts, 1);
      const timeouts = await kernel.executor.run(wf(2, 'timeout', { maxAttempts: 3, initialDelayMs: 1 }));
      assert.equal(timeouts.nodes[0]!.status, 'succeeded', 'TimeoutError is retryable by default');
      assert.ok(failures > 0);
    });

    it('publishes a retrying event before each new attempt', async () => {
      const events: string[] = [];
      const off = kernel.get(Tokens.EventBus).subscribe((e) => e.kind === 'node' && events.push(`${e.status}:${e.attempt}`));
      await kernel.executor.run(wf(2, 'transient', { maxAttempts: 3, initialDelayMs: 1 }));
      off();
      assert.deepEqual(events, ['running:1', 'retrying:1', 'retrying:2', 'succeeded:3']);
    });
  });
});
