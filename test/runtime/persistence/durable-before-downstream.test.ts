import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin } from '../../support/persistence-test-plugin';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { definePlugin, type WeftPlugin } from '../../../core/plugin/plugin';
import { defineNodeType } from '../../../core/plugin/node-type';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';

/**
 * `probe` reads its upstream's node row through `reader` (another connection to the database, as
 * another process would) and returns the status it finds there: only a committed row is visible.
 */
function probePlugin(reader: () => Persistence): WeftPlugin {
  return definePlugin({
    id: 'test.probe',
    version: '1.0.0',
    register(reg) {
      reg.addNodeType(
        defineNodeType<{ upstream: string }>({
          type: 'probe',
          configSchema: {
            type: 'object',
            required: ['upstream'],
            properties: { upstream: { type: 'string' } },
            additionalProperties: false,
          },
          create: () => ({
            execute: async (config, ctx) => {
              const row = await reader()
                .executionStore.knex('node_execution')
                .where({ execution_id: ctx.executionId, node_id: config.upstream })
                .first('status');
              return { upstream: config.upstream, seen: (row?.status as string | undefined) ?? 'absent' };
            },
          }),
        }),
      );
    },
  });
}

/** a → p1 → p2 → … → pN: every probe looks for its upstream's committed row. */
function probeChain(n: number): WorkflowDefinition {
  const nodes: WorkflowDefinition['nodes'] = [{ id: 'a', type: 'echo', config: { value: { start: true } } }];
  for (let i = 1; i <= n; i++) nodes.push({ id: `p${i}`, type: 'probe', config: { upstream: i === 1 ? 'a' : `p${i - 1}` } });
  return { name: `probe-chain-${n}`, nodes, edges: nodes.slice(1).map((node, i) => ({ from: nodes[i]!.id, to: node.id })) };
}

describeDialects('a node finish is durable before its downstream starts', (ctx) => {
  let writer: Persistence;
  let reader: Persistence;
  let kernel: Kernel;
  before(async () => {
    writer = await ctx.open();
    // a second Persistence on the same database: its own connections, like another process
    reader = await ctx.open({ owner: 'reader:0:probe' });
    kernel = startTestKernel({ plugins: [persistenceTestPlugin(), probePlugin(() => reader)], services: persistenceBindings(writer) });
  });
  after(async () => {
    await kernel?.stop();
  });

  it('every downstream node sees its upstream `succeeded` row committed, through another connection', async () => {
    const doc = await kernel.executor.run(probeChain(20));
    assert.equal(doc.status, 'succeeded');
    const seen = doc.nodes.filter((n) => n.nodeId.startsWith('p')).map((n) => (n.output as { seen: string }).seen);
    assert.deepEqual(seen, Array(20).fill('succeeded'));
  });

  it('still holds when many executions share group commits', async () => {
    const docs = await Promise.all(Array.from({ length: 8 }, () => kernel.executor.run(probeChain(10))));
    for (const doc of docs) {
      assert.equal(doc.status, 'succeeded');
      for (const n of doc.nodes.filter((x) => x.nodeId.startsWith('p')))
        assert.equal((n.output as { seen: string }).seen, 'succeeded', `${doc.id} ${n.nodeId}`);
    }
  });
});
