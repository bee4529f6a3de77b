import assert from 'node:assert/strict';
import { IsolateSlot } from '../../../runtime/sandbox/isolate-slot';
import { SandboxError } from '../../../core/errors/weft-error';

describe('IsolateSlot state (one explicit state, transitions in one table)', () => {
  it('goes idle → busy → idle → busy → retired, live until it leaves the pool', () => {
    const slot = new IsolateSlot(1, 8);
    assert.equal(slot.state, 'idle');
    for (const s of ['busy', 'idle', 'busy'] as const) {
      slot.moveTo(s);
      assert.equal(slot.state, s);
      assert.equal(slot.live, true);
    }
    slot.moveTo('retired');
    assert.equal(slot.live, false);
  });

  it('refuses to bring a retired or abandoned slot back, naming the slot and the transition', () => {
    const retired = new IsolateSlot(2, 8);
    retired.moveTo('retired');
    assert.throws(
      () => retired.moveTo('idle'),
      (e: unknown) => e instanceof SandboxError && /isolate 2: no transition from retired to idle/.test(e.message),
    );
    const abandoned = new IsolateSlot(3, 8);
    abandoned.moveTo('busy');
    abandoned.moveTo('abandoned');
    assert.equal(abandoned.live, false);
    assert.throws(() => abandoned.moveTo('busy'), /no transition from abandoned to busy/);
    assert.throws(() => abandoned.moveTo('retired'), /no transition from abandoned to retired/);
  });
});
