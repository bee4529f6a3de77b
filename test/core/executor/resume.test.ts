import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { waitFor } from '../../support/wait-for';
import { Tokens } from '../../../core/di/tokens';
import type { NodeExecutionRecord } from '../../../core/model/execution-document';

describe('resuming an execution', () => {
  it('does not run completed nodes again; runs the rest with their outputs in context', async () => {
    const ran: string[] = [];
    const kernel = startTestKernel({ plugins: [createTestPlugin({ step: (input: unknown, ctx) => (ran.push(ctx.nodeId), input) })] });
    const def = {
      name: 'resume',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'step', input: 'A' } },
        { id: 'b', type: 'fn', config: { fn: 'step', input: '{{ nodes.a.output }}+B' } },
        { id: 'c', type: 'fn', config: { fn: 'step', input: '{{ nodes.b.output }}+C' } },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
      outputs: { c: '{{ nodes.c.output }}' },
    };
    const done = (nodeId: string, output: unknown): NodeExecutionRecord => ({
      nodeId,
      status: 'succeeded',
      attempts: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      output,
      error: null,
      recoveredBy: null,
      skipReason: null,
    });
    const inflight: NodeExecutionRecord = { ...done('b', null), status: 'running', finishedAt: null };
    const doc = await kernel.executor.run(def, {
      executionId: '01900000-0000-7000-8000-000000000001',
      resume: { startedAt: '2026-01-01T00:00:00.000Z', nodes: [done('a', 'A'), inflight] },
    });
    assert.deepEqual(ran, ['b', 'c'], 'a completed before the crash; b was in flight and runs again');
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(doc.outputs, { c: 'A+B+C' });
    assert.equal(doc.nodes.length, 3);
    assert.equal(doc.startedAt, '2026-01-01T00:00:00.000Z');
    await kernel.stop();
  });

  it('an idempotency key returns the first execution instead of starting another', async () => {
    let runs = 0;
    const kernel = startTestKernel({ plugins: [createTestPlugin({ count: () => ++runs })] });
    const def = { name: 'idem', nodes: [{ id: 'n', type: 'fn', config: { fn: 'count' } }] };
    const first = await kernel.executor.start(def, { idempotencyKey: 'k1' });
    const second = await kernel.executor.start(def, { idempotencyKey: 'k1' });
    assert.equal(second.created, false);
    assert.equal(second.executionId, first.executionId);
    assert.equal((await second.done).id, first.executionId);
    await first.done;
    assert.equal(runs, 1);
    const stored = await kernel.get(Tokens.ExecutionStore).getExecution(first.executionId);
    assert.equal(stored!.status, 'succeeded');
    await kernel.stop();
  });

  it('drain lets running nodes finish, starts nothing new, and leaves the execution resumable', async () => {
    const started: string[] = [];
    const ran: string[] = [];
    let finishNodes!: () => void;
    const gate = new Promise<void>((resolve) => (finishNodes = resolve));
    const kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          slow: async (_: unknown, ctx) => {
            started.push(ctx.nodeId);
            await gate;
            ran.push(ctx.nodeId);
            return ctx.nodeId;
          },
        }),
      ],
    });
    const def = {
      name: 'drain',
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'slow' } },
        { id: 'b', type: 'fn', config: { fn: 'slow' } },
      ],
      edges: [{ from: 'a', to: 'b' }],
    };
    const handle = await kernel.executor.start(def);
    await waitFor(() => started.includes('a'), 'node a to start');
    const draining = kernel.executor.drain(2000);
    finishNodes(); // a finishes while the executor drains: b must not start
    await draining;
    const stored = await kernel.get(Tokens.ExecutionStore).getExecution(handle.executionId);
    assert.deepEqual(ran, ['a']);
    assert.equal(stored!.status, 'running', 'left for recovery');
    assert.deepEqual(
      stored!.nodes.map((n) => [n.nodeId, n.status]),
      [['a', 'succeeded']],
    );
    await assert.rejects(kernel.executor.start(def), /shutting down/);
    await kernel.stop();
  });
});
