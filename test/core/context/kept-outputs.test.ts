import assert from 'node:assert/strict';
import { ExecutionContext } from '../../../core/context/execution-context';
import { nodeOutputRef } from '../../../core/model/node-output-ref';

/** Outputs the store keeps apart: in the context only as a reference until a reader holds them. */
describe('execution context: kept outputs', () => {
  const ref = nodeOutputRef('exec-1', 'big', 12);
  const context = () => new ExecutionContext({}, {}, { id: 'exec-1', startedAt: new Date(0).toISOString() });

  it('reads as its { $ref, bytes } until acquired, loads once for concurrent readers, and leaves memory after the last release', async () => {
    const c = context();
    let loads = 0;
    let finishLoad!: () => void;
    const gate = new Promise<void>((r) => (finishLoad = r));
    c.setKeptOutput('big', ref, async () => {
      loads++;
      await gate;
      return { text: 'hello world!' };
    });
    assert.ok(c.hasOutput('big'));
    assert.deepEqual(c.scope.nodes.big!.output, ref);
    const first = c.acquire(['big', 'other']);
    const second = c.acquire(['big']);
    finishLoad();
    const [h1, h2] = await Promise.all([first, second]);
    assert.deepEqual(h1, ['big'], 'ids that are not kept are ignored');
    assert.equal(loads, 1);
    assert.deepEqual(c.scope.nodes.big!.output, { text: 'hello world!' });
    assert.ok(Object.isFrozen(c.scope.nodes.big!.output), 'a loaded output is frozen like any other');
    c.releaseKept(h1);
    assert.deepEqual(c.scope.nodes.big!.output, { text: 'hello world!' }, 'still held by the second reader');
    c.releaseKept(h2);
    assert.deepEqual(c.scope.nodes.big!.output, ref);
    await c.acquire(['big']);
    assert.equal(loads, 2, 'loaded again for a later reader');
  });

  it('keeps the error of a node whose fallback output is kept, and a failed load releases what it held', async () => {
    const c = context();
    c.setKeptOutput('failed', ref, async () => ({ from: 'fallback' }), { message: 'boom' });
    assert.deepEqual(c.scope.nodes.failed!.error, { message: 'boom' });
    await c.acquire(['failed']);
    assert.deepEqual(c.scope.nodes.failed, { error: { message: 'boom' }, output: { from: 'fallback' } });
    c.setKeptOutput('gone', ref, async () => {
      throw new Error('not in the store');
    });
    await assert.rejects(c.acquire(['gone']), /not in the store/);
    assert.deepEqual(c.scope.nodes.gone!.output, ref);
    c.release();
    assert.equal(c.hasOutput('failed'), false);
  });
});
