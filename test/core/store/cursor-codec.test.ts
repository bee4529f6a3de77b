import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CursorCodec } from '../../../core/store/cursor-codec';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import { ValidationError } from '../../../core/errors/weft-error';

describe('CursorCodec (the one list-cursor codec of every store)', () => {
  const codec = new CursorCodec(randomBytes(32));

  it('round-trips an id and a start time within its scope', () => {
    assert.equal(codec.decode(codec.encode('wf_1', 'workflows'), 'workflows'), 'wf_1');
    assert.deepEqual(codec.decodePosition(codec.encode('e1', 'q', 1234), 'q'), { id: 'e1', t: 1234 });
  });

  it('refuses a cursor of another scope, another secret, or tampered, as a ValidationError on `cursor`', () => {
    const c = codec.encode('wf_1', 'workflows');
    const refused = (fn: () => unknown, why: RegExp) =>
      assert.throws(
        fn,
        (e: unknown) => e instanceof ValidationError && why.test(e.message) && (e.details as Array<{ path: string }>)[0]!.path === 'cursor',
      );
    refused(() => codec.decode(c, 'executions'), /not issued for this query/);
    refused(() => new CursorCodec(randomBytes(32)).decode(c, 'workflows'), /not issued/);
    const [payload, mac] = c.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ id: 'wf_0' })).toString('base64url');
    refused(() => codec.decode(`${forged}.${mac}`, 'workflows'), /not issued/);
    refused(() => codec.decode(`${payload}.x`, 'workflows'), /malformed/);
    refused(() => codec.decode(42, 'workflows'), /malformed/);
  });

  it('is what the in-memory workflow store pages with: its cursors are refused by another store', async () => {
    const a = new InMemoryWorkflowStore();
    for (const name of ['w1', 'w2', 'w3']) await a.create({ name, nodes: [{ id: 'n', type: 'tool', config: {} }], edges: [] });
    const first = await a.list({ limit: 2 });
    assert.ok(first.nextCursor);
    assert.equal((await a.list({ limit: 2, cursor: first.nextCursor })).items.length, 1);
    await assert.rejects(new InMemoryWorkflowStore().list({ limit: 2, cursor: first.nextCursor }), ValidationError);
  });
});
