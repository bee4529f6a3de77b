import assert from 'node:assert/strict';
import { CancelledError, DEFAULT_SANDBOX_LIMITS, SandboxError, type NodeExecutor } from '../../../core';
import { ExprEvalEngine } from '../../../runtime/expressions/expr-eval-engine';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { adapterNodeType, type AdapterConfig } from '../../../plugins/adapter/index';
import { nodeRunContext } from '../condition/node-run-context';
import { waitFor } from '../../support/wait-for';

/** The `code` transform through a real isolated-vm sandbox. */
describe('adapter node type: code transform', () => {
  let sandbox: IsolatedVmSandbox;
  let executor: NodeExecutor<AdapterConfig>;
  const ctx = nodeRunContext({ nodeId: 'calc', scope: { variables: { factor: 3, nested: { list: [1] } } } });

  before(() => {
    sandbox = new IsolatedVmSandbox({ defaults: DEFAULT_SANDBOX_LIMITS, poolSize: 1 });
    executor = adapterNodeType.create({ expressions: new ExprEvalEngine(), sandbox });
  });
  after(() => sandbox.dispose());

  it('returns what the code returns, given input and variables', async () => {
    const out = await executor.execute(
      { transform: 'code', input: [1, 2, 3], code: 'return input.map((x) => x * variables.factor);' },
      ctx,
    );
    assert.deepEqual(out, [3, 6, 9]);
  });

  it('supports await and gives null for undefined', async () => {
    assert.equal(
      await executor.execute({ transform: 'code', input: 2, code: 'const v = await Promise.resolve(input); return v ** 10;' }, ctx),
      1024,
    );
    assert.equal(await executor.execute({ transform: 'code', input: 2, code: 'input + 1;' }, ctx), null);
  });

  it("hands the code read-only variables and never changes the caller's", async () => {
    await assert.rejects(
      executor.execute({ transform: 'code', input: null, code: '"use strict"; variables.nested.list.push(2); return variables;' }, ctx),
      (err: unknown) => err instanceof SandboxError && /adapter node "calc": /.test(err.message),
    );
    const out = await executor.execute(
      { transform: 'code', input: null, code: 'try { variables.factor = 99 } catch {} return variables.factor;' },
      ctx,
    );
    assert.equal(out, 3);
    assert.deepEqual(ctx.scope.variables, { factor: 3, nested: { list: [1] } });
  });

  it('cannot reach the host', async () => {
    const out = await executor.execute(
      { transform: 'code', input: null, code: 'return [typeof process, typeof require, typeof globalThis.fetch];' },
      ctx,
    );
    assert.deepEqual(out, ['undefined', 'undefined', 'undefined']);
  });

  it('fails with a SandboxError naming the node when the code throws', async () => {
    await assert.rejects(executor.execute({ transform: 'code', input: 1, code: 'throw new Error("nope")' }, ctx), (err: unknown) => {
      assert.ok(err instanceof SandboxError);
      assert.match(err.message, /^adapter node "calc": .*nope/);
      return true;
    });
  });

  it('enforces the node limits (CPU) and keeps the error code', async () => {
    const limited = nodeRunContext({ nodeId: 'spin', limits: { cpuMs: 50 } });
    await assert.rejects(executor.execute({ transform: 'code', input: null, code: 'for (;;) {}' }, limited), (err: unknown) => {
      assert.ok(err instanceof SandboxError);
      assert.match(err.message, /^adapter node "spin": /);
      assert.equal(err.code, 'WF_SANDBOX_TIMEOUT');
      return true;
    });
    assert.equal(await executor.execute({ transform: 'code', input: 1, code: 'return input + 1' }, ctx), 2);
  });

  it('stops when the node is cancelled', async () => {
    const ac = new AbortController();
    const cancellable = nodeRunContext({ nodeId: 'wait', signal: ac.signal });
    const before = sandbox.stats();
    const pending = executor.execute({ transform: 'code', input: null, code: 'await new Promise(() => {});' }, cancellable);
    await waitFor(() => {
      const now = sandbox.stats();
      return now.runs > before.runs && (now.preparedHits > before.preparedHits || now.contextsCreated > before.contextsCreated);
    }, 'the code to start in its isolate');
    ac.abort(new CancelledError('execution cancelled'));
    await assert.rejects(pending, (err: unknown) => err instanceof Error && !(err instanceof assert.AssertionError));
  });
});
