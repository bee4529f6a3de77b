import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { NodeExecutionError, PersistenceError, TransientError } from '../../../core/errors/weft-error';
import type { Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import type { ExecutionDocument, NodeExecutionRecord } from '../../../core/model/execution-document';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';
import { bind } from '../../../core/kernel/kernel';

const byId = (doc: ExecutionDocument) => Object.fromEntries(doc.nodes.map((n) => [n.nodeId, n]));

describe('executor failure handling', () => {
  let kernel: Kernel;
  const calls: string[] = [];
  before(() => {
    kernel = startTestKernel({
      plugins: [
        createTestPlugin({
          boom: (input: { msg?: string }) => {
            throw new NodeExecutionError(input?.msg ?? 'boom');
          },
          typeError: () => (null as unknown as { x: number }).x,
          slow: async (_i: unknown, ctx) => {
            calls.push(ctx.nodeId);
            await new Promise((r, j) => {
              const t = setTimeout(r, 2000);
              ctx.signal.addEventListener('abort', () => (clearTimeout(t), j(ctx.signal.reason)));
            });
            return 'late';
          },
          readError: (input: unknown) => input,
          transient: () => {
            throw new TransientError('flaky');
          },
        }),
      ],
    });
  });
  after(() => kernel.stop());

  it('captures type, message, stack, attempt and the resolved input', async () => {
    const doc = await kernel.executor.run({
      name: 'capture',
      variables: { n: 41 },
      settings: { onNodeFailure: 'continue' },
      nodes: [{ id: 'bad', type: 'fn', config: { fn: 'typeError', input: { v: '{{ variables.n }}' } } }],
    });
    const e = doc.nodes[0]!.error!;
    assert.equal(e.type, 'TypeError');
    assert.match(e.message, /Cannot read properties of null/);
    assert.match(e.stack!, /TypeError/);
    assert.equal(e.attempt, 1);
    assert.deepEqual(e.input, { fn: 'typeError', input: { v: 41 } });
    assert.equal(doc.status, 'partially_succeeded');
  });

  it('stop (the default) cancels running nodes and ends failed; never-started nodes are cancelled', async () => {
    const doc = await kernel.executor.run({
      name: 'stop',
      nodes: [
        { id: 'slowOne', type: 'fn', config: { fn: 'slow' } },
        { id: 'bad', type: 'fn', config: { fn: 'boom', input: { msg: 'bad thing' } } },
        { id: 'after', type: 'noop' },
      ],
      edges: [{ from: 'slowOne', to: 'after' }],
    });
    const by = byId(doc);
    assert.equal(doc.status, 'failed');
    assert.equal(by.bad!.status, 'failed');
    assert.equal(by.slowOne!.status, 'cancelled');
    assert.equal(by.after!.status, 'cancelled');
    assert.equal(by.after!.attempts, 0);
    assert.match(doc.error!.message, /node "bad" failed: bad thing/);
    assert.ok(doc.durationMs! < 1500, 'the slow node was aborted, not awaited');
  });

  it('continue skips downstream nodes (upstream_failed) unless runOnUpstreamFailure, which reads nodes.<id>.error', async () => {
    const doc = await kernel.executor.run({
      name: 'continue',
      settings: { onNodeFailure: 'continue' },
      nodes: [
        { id: 'bad', type: 'fn', config: { fn: 'boom', input: { msg: 'nope' } } },
        { id: 'down', type: 'noop' },
        { id: 'downDown', type: 'noop' },
        { id: 'handler', type: 'fn', runOnUpstreamFailure: true, config: { fn: 'readError', input: '{{ nodes.bad.error.message }}' } },
        { id: 'lateHandler', type: 'noop', runOnUpstreamFailure: true },
        { id: 'ok', type: 'noop', config: { input: 1 } },
      ],
      edges: [
        { from: 'bad', to: 'down' },
        { from: 'down', to: 'downDown' },
        { from: 'bad', to: 'handler' },
        { from: 'down', to: 'lateHandler' },
      ],
    });
    const by = byId(doc);
    assert.equal(doc.status, 'partially_succeeded');
    assert.equal(by.down!.status, 'skipped');
    assert.equal(by.down!.skipReason, 'upstream_failed');
    assert.equal(by.downDown!.skipReason, 'upstream_failed');
    assert.equal(by.handler!.status, 'succeeded');
    assert.equal(by.handler!.output, 'nope');
    assert.equal(by.lateHandler!.status, 'succeeded');
    assert.equal(by.ok!.status, 'succeeded');
  });

  it('failureThreshold turns continue into stop once exceeded', async () => {
    const nodes = [
      { id: 'b1', type: 'fn', config: { fn: 'boom' } },
      { id: 'b2', type: 'fn', config: { fn: 'boom' } },
      { id: 'b3', type: 'fn', config: { fn: 'boom' } },
      { id: 'gate', type: 'noop' },
      { id: 'o1', type: 'noop' },
      { id: 'o2', type: 'noop' },
    ];
    const edges = [
      { from: 'b3', to: 'gate' },
      { from: 'gate', to: 'o1' },
      { from: 'gate', to: 'o2' },
    ];
    const under = await kernel.executor.run({
      name: 't1',
      settings: { onNodeFailure: 'continue', failureThreshold: 0.5, maxParallel: 1 },
      nodes,
      edges,
    });
    assert.equal(under.status, 'partially_succeeded', '3 of 6 failed is not above 0.5');
    const over = await kernel.executor.run({
      name: 't2',
      settings: { onNodeFailure: 'continue', failureThreshold: 0.3, maxParallel: 1 },
      nodes,
      edges,
    });
    assert.equal(over.status, 'failed');
    assert.match(over.error!.message, /failure threshold 0.3 exceeded \(2 of 6/);
    assert.equal(byId(over).b3!.status, 'cancelled');
  });

  it('a fallback stands in for a failed node: recoveredBy, output, scheduling counts it as succeeded', async () => {
    const doc = await kernel.executor.run({
      name: 'fallback',
      nodes: [
        { id: 'fetch', type: 'fn', config: { fn: 'boom', input: { msg: 'down' } }, fallback: 'cached' },
        { id: 'cached', type: 'fn', config: { fn: 'readError', input: { orders: [], why: '{{ nodes.fetch.error.message }}' } } },
        { id: 'use', type: 'noop', config: { input: '{{ nodes.fetch.output }}' } },
        { id: 'unused', type: 'noop', fallback: 'spare' },
        { id: 'spare', type: 'noop' },
      ],
      edges: [{ from: 'fetch', to: 'use' }],
      outputs: { used: '{{ nodes.use.output }}' },
    });
    const by = byId(doc);
    assert.equal(doc.status, 'succeeded');
    assert.equal(by.fetch!.status, 'failed');
    assert.equal(by.fetch!.recoveredBy, 'cached');
    assert.equal(by.cached!.status, 'succeeded');
    assert.equal(by.cached!.fallbackFor, 'fetch');
    assert.deepEqual(by.use!.output, { orders: [], why: 'down' });
    assert.deepEqual(doc.outputs, { used: { orders: [], why: 'down' } });
    assert.equal(by.spare, undefined, 'a fallback that did not run is not listed');
    const stored = await kernel.get(Tokens.ExecutionStore).getExecution(doc.id);
    assert.deepEqual(
      stored!.nodes.map((n) => [n.nodeId, n.status, n.recoveredBy]).sort(),
      [
        ['cached', 'succeeded', null],
        ['fetch', 'failed', 'cached'],
        ['unused', 'succeeded', null],
        ['use', 'succeeded', null],
      ],
      'the store holds the finished fallback record too',
    );
    assert.ok(!doc.nodes.some((n) => n.nodeId === 'spare'));
  });

  it('a failing fallback leaves the node failed without recoveredBy', async () => {
    const doc = await kernel.executor.run({
      name: 'fallback-fails',
      settings: { onNodeFailure: 'continue' },
      nodes: [
        { id: 'a', type: 'fn', config: { fn: 'boom' }, fallback: 'b' },
        { id: 'b', type: 'fn', config: { fn: 'boom', input: { msg: 'fallback also failed' } } },
      ],
    });
    const by = byId(doc);
    assert.equal(by.a!.status, 'failed');
    assert.equal(by.a!.recoveredBy, null);
    assert.equal(by.b!.status, 'failed');
    assert.equal(doc.status, 'partially_succeeded');
  });

  it('a template error fails the node with a TemplateError naming node, field and path', async () => {
    const doc = await kernel.executor.run({ name: 'tpl', nodes: [{ id: 'n', type: 'noop', config: { input: '{{ variables.nope }}' } }] });
    assert.equal(doc.status, 'failed');
    assert.equal(doc.nodes[0]!.error!.type, 'TemplateError');
    assert.match(doc.nodes[0]!.error!.message, /node "n" field "config.input": template path "variables.nope" not found/);
  });
});

describe('executor: a node record the store cannot write', () => {
  /** An in-memory store whose `nodeFinished` fails for the node ids in `refuse`. */
  class RefusingStore extends InMemoryExecutionStore {
    constructor(private readonly refuse: Set<string>) {
      super();
    }
    override async nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
      if (this.refuse.has(record.nodeId) && record.status !== 'cancelled') throw new PersistenceError(`disk full writing ${record.nodeId}`);
      return super.nodeFinished(executionId, record);
    }
  }
  const echo = (id: string) => ({ id, type: 'fn', config: { fn: 'echo', input: id } });
  const run = async (refuse: string[], definition: object) => {
    const store = new RefusingStore(new Set(refuse));
    const kernel = startTestKernel({
      plugins: [createTestPlugin({ echo: (i: unknown) => i })],
      overrides: [bind(Tokens.ExecutionStore, () => store)],
    });
    try {
      const doc = await kernel.executor.run(definition);
      return { doc, stored: await store.getExecution(doc.id) };
    } finally {
      await kernel.stop();
    }
  };

  it('ends the execution failed when a node before the end is not recorded; nothing runs after it', async () => {
    const { doc, stored } = await run(['a'], { name: 'w', nodes: [echo('a'), echo('b')], edges: [{ from: 'a', to: 'b' }] });
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error!.code, 'WF_PERSISTENCE');
    assert.equal(stored!.status, 'failed');
    assert.notEqual(byId(doc).b!.status, 'succeeded');
  });

  it('ends the execution failed when the last node is not recorded, though its record shared the commit of the end', async () => {
    const { doc, stored } = await run(['only'], { name: 'w', nodes: [echo('only')] });
    assert.equal(doc.status, 'failed');
    assert.match(doc.error!.message, /disk full writing only/);
    assert.equal(stored!.status, 'failed', 'the store ends up saying failed, not succeeded');
    assert.deepEqual(stored!.outputs, null);
  });
});
