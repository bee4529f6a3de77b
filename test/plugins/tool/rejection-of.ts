import assert from 'node:assert/strict';

/** Awaits `promise`, which must reject, and returns what it rejected with (typed loosely for assertions). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the promise to reject');
}
