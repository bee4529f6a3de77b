import { startTestKernel } from '../test/support/test-kernel';
import { createTestPlugin } from '../test/support/test-plugin';
import { median, repeat, fmt, report } from './bench-stats';
import type { WorkflowDefinition } from '../core/model/workflow-definition';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Engine overhead per node (chain, fan-out), makespan/critical path, 100k-node validation. */
export async function run(): Promise<void> {
  console.log('\n## core: executor and validator (in memory)');
  const kernel = startTestKernel({
    plugins: [
      createTestPlugin({
        nap: async (ms: number) => {
          await sleep(ms);
          return ms;
        },
      }),
    ],
  });
  const N = 10_000;
  const nodes = Array.from({ length: N }, (_, i) => ({ id: `n${i}`, type: 'noop' }));
  const chain: WorkflowDefinition = { name: 'chain', nodes, edges: nodes.slice(1).map((n, i) => ({ from: `n${i}`, to: n.id })) };
  const fan: WorkflowDefinition = {
    name: 'fan',
    settings: { maxParallel: 10 },
    nodes: [{ id: 'root', type: 'noop' }, ...nodes],
    edges: nodes.map((n) => ({ from: 'root', to: n.id })),
  };
  kernel.validator.assertValid(chain);
  kernel.validator.assertValid(fan);
  const timeRun = async (def: WorkflowDefinition) => {
    const t = process.hrtime.bigint();
    const doc = await kernel.executor.run(def);
    if (doc.status !== 'succeeded') throw new Error(`bench run ${doc.status}`);
    return Number(process.hrtime.bigint() - t) / 1e3;
  };
  const chainUs = median(await repeat(7, () => timeRun(chain), 2)) / N;
  report('engine overhead per node, 10k-node chain', `${fmt(chainUs)} µs`, '≤ 10 µs', chainUs <= 10);
  const fanUs = median(await repeat(7, () => timeRun(fan), 2)) / (N + 1);
  report('engine overhead per node, 10k-wide fan-out', `${fmt(fanUs)} µs`, '≤ 10 µs', fanUs <= 10);

  // unbalanced DAG of sleeping nodes: branch A is 1 node of 300 ms, branch B is 6 nodes of 50 ms,
  // branch C is 3 nodes of 100 ms; a join at the end. Critical path = 300 ms + join.
  const napNode = (id: string, ms: number) => ({ id, type: 'fn', config: { fn: 'nap', input: ms } });
  const unbalanced: WorkflowDefinition = {
    name: 'unbalanced',
    nodes: [
      napNode('a1', 300),
      ...[1, 2, 3, 4, 5, 6].map((i) => napNode(`b${i}`, 50)),
      ...[1, 2, 3].map((i) => napNode(`c${i}`, 100)),
      napNode('c0', 20),
      napNode('join', 10),
    ],
    edges: [
      ...[1, 2, 3, 4, 5].map((i) => ({ from: `b${i}`, to: `b${i + 1}` })),
      { from: 'c0', to: 'c1' },
      ...[1, 2].map((i) => ({ from: `c${i}`, to: `c${i + 1}` })),
      { from: 'a1', to: 'join' },
      { from: 'b6', to: 'join' },
      { from: 'c3', to: 'join' },
    ],
  };
  const critical = 320 + 10; // c0 + c1..c3 = 320 ms, then join
  const makespans = await repeat(5, async () => (await timeRun(unbalanced)) / 1000, 1);
  const ratio = median(makespans) / critical;
  const levelBarrier = (300 + 100 + 50 + 50 + 50 + 50 + 10) / critical; // levels: max per level
  report('unbalanced DAG makespan / critical path', `${fmt(ratio, 3)}`, '≤ 1.05', ratio <= 1.05);
  report('  (a level-barrier executor would score)', `${fmt(levelBarrier, 3)}`);

  const V = 100_000;
  const big = Array.from({ length: V }, (_, i) => ({ id: `v${i}`, type: 'noop' }));
  const validations = await repeat(
    5,
    async () => {
      const def = { name: 'big', nodes: big, edges: big.slice(1).map((n, i) => ({ from: `v${i}`, to: n.id })) };
      const t = performance.now();
      const r = kernel.validator.validate(def);
      if (!r.ok) throw new Error('invalid');
      return performance.now() - t;
    },
    1,
  );
  const vMs = median(validations);
  report('validation of a 100k-node chain', `${fmt(vMs, 0)} ms`, '< 1000 ms', vMs < 1000);
  await kernel.stop();
}
