import assert from 'node:assert/strict';
import { decodeRunnerResult } from '../../../runtime/sandbox/sandbox-result';
import { ErrorCodes } from '../../../core/errors/error-codes';
import type { SandboxLimits } from '../../../core/services/sandbox';

const LIMITS: SandboxLimits = { cpuMs: 100, wallMs: 200, memoryMb: 32, outputBytes: 64 };

function failure(raw: unknown, limits = LIMITS) {
  const decoded = decodeRunnerResult(raw, limits);
  assert.equal(decoded.ok, false, `expected a failure for ${JSON.stringify(raw)}`);
  return decoded;
}

describe('decodeRunnerResult', () => {
  it('takes untagged text as the JSON result, whatever value it starts with', () => {
    for (const value of [{ a: [1, 'x'] }, [1, 2], 'text', -1.5, 0, true, false, null]) {
      assert.deepEqual(decodeRunnerResult(JSON.stringify(value), LIMITS), { ok: true, value });
    }
  });

  it('reads U as a result that serialised to nothing (null)', () => {
    assert.deepEqual(decodeRunnerResult('U', LIMITS), { ok: true, value: null });
  });

  it('turns an over-cap answer into an output breach with the observed size', () => {
    const { error, breach } = failure('O9000');
    assert.equal(breach, true);
    assert.equal(error.code, ErrorCodes.WF_SANDBOX_OUTPUT);
    assert.match(error.message, /at least 9000 bytes exceeds the output limit of 64 bytes/);
  });

  it('counts UTF-8 bytes, not code units, against the output cap', () => {
    // 30 code units that pass the isolate's check, but 2 + 28 × 3 = 86 UTF-8 bytes.
    const { error, breach } = failure(JSON.stringify('€'.repeat(28)));
    assert.equal(breach, true);
    assert.equal(error.code, ErrorCodes.WF_SANDBOX_OUTPUT);
    assert.deepEqual(error.details, { limit: 'outputBytes', value: 64, observed: 86 });
    assert.deepEqual(decodeRunnerResult(JSON.stringify('€'.repeat(20)), LIMITS), { ok: true, value: '€'.repeat(20) });
  });

  it('rebuilds a user error from its parts, keeping only frames from inside the isolate', () => {
    const raw = `E${JSON.stringify('TypeError')}\u0001${JSON.stringify('x is not a function')}\u0001${JSON.stringify(
      'TypeError: x is not a function\n    at eval (user.js:1:1)\n    at /host/secret/path.js:9:9',
    )}`;
    const { error, breach } = failure(raw);
    assert.equal(breach, false);
    assert.equal(error.code, ErrorCodes.WF_SANDBOX);
    assert.equal(error.message, 'TypeError: x is not a function');
    assert.deepEqual(error.details, { name: 'TypeError', message: 'x is not a function', phase: 'run' });
    assert.match(error.stack ?? '', /at eval \(user\.js:1:1\)/);
    assert.equal(
      failure(`C${JSON.stringify('SyntaxError')}\u0001${JSON.stringify('bad')}\u0001""`).error.message,
      'the code does not compile: SyntaxError: bad',
    );
    assert.equal(
      failure(`S""\u0001${JSON.stringify('cyclic')}\u0001""`).error.message,
      'the result is not JSON-serialisable: Error: cyclic',
    );
  });

  it('treats anything else as a broken isolate: empty, non-string or non-JSON answers are breaches', () => {
    for (const raw of ['', undefined, 42, { a: 1 }]) {
      assert.match(failure(raw).error.message, /unexpected value/);
    }
    const { error, breach } = failure('{not json');
    assert.equal(breach, true);
    assert.match(error.message, /not JSON/);
  });
});
