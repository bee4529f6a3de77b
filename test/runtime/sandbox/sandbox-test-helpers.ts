import assert from 'node:assert/strict';
import { SandboxError } from '../../../core/errors/weft-error';
import type { SandboxLimits } from '../../../core/services/sandbox';

/** Small limits keep breach tests fast. */
export const TEST_LIMITS: SandboxLimits = { cpuMs: 250, wallMs: 600, memoryMb: 32, outputBytes: 64 * 1024 };

/** Asserts `promise` rejects with a `SandboxError` of `code`; returns it for further checks. */
export async function expectSandboxError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<SandboxError> {
  try {
    const value = await promise;
    assert.fail(`expected a SandboxError ${code}, got the value ${JSON.stringify(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof SandboxError, `expected a SandboxError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    assert.equal(err.code, code, `code of "${err.message}"`);
    if (message) assert.match(err.message, message);
    return err;
  }
}
