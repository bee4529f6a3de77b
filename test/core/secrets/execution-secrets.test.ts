import assert from 'node:assert/strict';
import { bind, Tokens, type ExecutionEvent } from '../../../core/index';
import { InMemorySecretStore } from '../../../core/secrets/in-memory-secret-store';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

const VALUE = 'tok-ABCDEFGH-12345678';
const MARK = '[secret:API_TOKEN]';

describe('secrets in executions', () => {
  const seen: unknown[] = [];
  let store: InMemorySecretStore;
  const plugin = createTestPlugin({
    see: (input, ctx) => {
      seen.push({ input, scopeHasSecrets: 'secrets' in ctx.scope });
      return input;
    },
    rotate: async () => {
      await store.set('API_TOKEN', 'tok-ROTATED-87654321');
      return 'rotated';
    },
    tokens: (input: { text: string; size: number }, ctx) => {
      for (let i = 0; i < input.text.length; i += input.size) ctx.emitToken(input.text.slice(i, i + input.size));
      return 'done';
    },
    fail: (input: string) => {
      throw new Error(`refused ${input}`);
    },
  });
  const kernelWith = () => {
    store = new InMemorySecretStore();
    return startTestKernel({ plugins: [plugin], overrides: [bind(Tokens.SecretStore, () => store)] });
  };

  it('resolves {{ secrets.NAME }} when each node starts: a rotated value applies to nodes that start after it', async () => {
    const kernel = kernelWith();
    try {
      seen.length = 0;
      await store.set('API_TOKEN', VALUE);
      const doc = await kernel.executor.run({
        name: 'rotation',
        nodes: [
          { id: 'a', type: 'fn', config: { fn: 'see', input: 'A {{ secrets.API_TOKEN }}' } },
          { id: 'r', type: 'fn', config: { fn: 'rotate' } },
          { id: 'b', type: 'fn', config: { fn: 'see', input: 'B {{ secrets.API_TOKEN }}' } },
        ],
        edges: [
          { from: 'a', to: 'r' },
          { from: 'r', to: 'b' },
        ],
      });
      assert.equal(doc.status, 'succeeded');
      assert.deepEqual(seen, [
        { input: `A ${VALUE}`, scopeHasSecrets: false },
        { input: 'B tok-ROTATED-87654321', scopeHasSecrets: false },
      ]);
      // both values were used, so both are redacted from the record
      assert.equal(doc.nodes.find((n) => n.nodeId === 'a')!.output, `A ${MARK}`);
      assert.equal(doc.nodes.find((n) => n.nodeId === 'b')!.output, `B ${MARK}`);
    } finally {
      await kernel.stop();
    }
  });

  it('fails a node whose secret does not exist with WF_SECRET_NOT_FOUND, without retrying', async () => {
    const kernel = kernelWith();
    try {
      const doc = await kernel.executor.run({
        name: 'missing',
        nodes: [
          {
            id: 'a',
            type: 'fn',
            config: { fn: 'see', input: '{{ secrets.NOPE }}' },
            retry: { maxAttempts: 3, initialDelayMs: 1, retryOn: ['NodeExecutionError'] },
          },
        ],
      });
      const a = doc.nodes[0]!;
      assert.equal(a.status, 'failed');
      assert.equal(a.error!.code, 'WF_SECRET_NOT_FOUND');
      assert.equal(a.error!.retryable, false);
      assert.equal(a.attempts, 1);
      assert.match(a.error!.message, /secret "NOPE" not found/);
    } finally {
      await kernel.stop();
    }
  });

  it('never lets a value through streamed tokens, even split across chunks; errors and stacks are redacted', async () => {
    const kernel = kernelWith();
    try {
      await store.set('API_TOKEN', VALUE);
      const events: ExecutionEvent[] = [];
      kernel.get(Tokens.EventBus).subscribe((e) => void events.push(e));
      for (const size of [1, 3, 7, 50]) {
        events.length = 0;
        const doc = await kernel.executor.run({
          name: 'tokens',
          settings: { onNodeFailure: 'continue' },
          nodes: [
            {
              id: 't',
              type: 'fn',
              config: { fn: 'tokens', input: { text: `before {{ secrets.API_TOKEN }} middle {{ secrets.API_TOKEN }} after`, size } },
            },
            { id: 'f', type: 'fn', config: { fn: 'fail', input: '{{ secrets.API_TOKEN }}' } },
          ],
        });
        const streamed = events
          .filter((e) => e.kind === 'token')
          .map((e) => (e as { text: string }).text)
          .join('');
        assert.equal(streamed, `before ${MARK} middle ${MARK} after`, `chunks of ${size}`);
        const all = JSON.stringify(events) + JSON.stringify(doc);
        assert.equal(all.indexOf(VALUE), -1, `chunks of ${size}: the value leaked`);
        const f = doc.nodes.find((n) => n.nodeId === 'f')!;
        assert.equal(f.error!.message, `refused ${MARK}`);
        assert.match(f.error!.stack!, /refused \[secret:API_TOKEN\]/);
      }
    } finally {
      await kernel.stop();
    }
  });

  it('rejects {{ secrets.* }} in workflow outputs and malformed secret references at validation', async () => {
    const kernel = kernelWith();
    try {
      const r = kernel.validator.validate({
        name: 'bad',
        nodes: [
          { id: 'a', type: 'fn', config: { fn: 'see', input: '{{ secrets.API_TOKEN.deeper }}' } },
          { id: 'b', type: 'fn', config: { fn: 'see', input: '{{ secrets }}' } },
        ],
        outputs: { leak: '{{ secrets.API_TOKEN }}' },
      });
      assert.equal(r.ok, false);
      const issues = (r as { issues: Array<{ path: string; message: string }> }).issues;
      assert.ok(
        issues.some((i) => i.path === 'outputs' && /outputs cannot use \{\{ secrets/.test(i.message)),
        JSON.stringify(issues),
      );
      assert.ok(
        issues.some((i) => i.path === 'nodes[0].config' && /use \{\{ secrets.NAME \}\}/.test(i.message)),
        JSON.stringify(issues),
      );
      assert.ok(
        issues.some((i) => i.path === 'nodes[1].config'),
        JSON.stringify(issues),
      );
    } finally {
      await kernel.stop();
    }
  });
});
