import assert from 'node:assert/strict';
import { WriteTracker } from '../../../core/executor/write-tracker';
import { PersistenceError, type WeftError } from '../../../core/errors/weft-error';

describe('WriteTracker', () => {
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('counts writes in flight and resolves whenDrained after the last one settles', async () => {
    const tracker = new WriteTracker(() => assert.fail('no write failed'));
    assert.equal(tracker.inFlight, 0);
    await tracker.whenDrained();
    const a = deferred();
    const b = deferred();
    const tracked = [tracker.track(a.promise), tracker.track(b.promise)];
    assert.equal(tracker.inFlight, 2);
    let drained = false;
    const done = tracker.whenDrained().then(() => (drained = true));
    a.resolve();
    await tracked[0];
    assert.equal(drained, false);
    b.resolve();
    await done;
    assert.equal(tracker.inFlight, 0);
    assert.equal(tracker.error, null);
  });

  it('keeps the first failure, reports every failure once, and never rejects', async () => {
    const reported: WeftError[] = [];
    const tracker = new WriteTracker((error) => reported.push(error));
    await tracker.track(Promise.reject(new PersistenceError('disk full')));
    await tracker.track(Promise.reject(new Error('socket closed')));
    assert.equal(tracker.error?.message, 'disk full');
    assert.deepEqual(
      reported.map((e) => e.message),
      ['disk full', 'Error: socket closed'],
    );
    assert.equal(reported[1]!.code, 'WF_NODE_FAILED', 'a plain error becomes a weft error');
    assert.equal(tracker.inFlight, 0);
  });
});
