import assert from 'node:assert/strict';
import { Tokens } from '../../../core/index';
import { loadConfig } from '../../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../../runtime/composition/build-runtime';
import { makeTempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';

const N = 10_000;

/** Runs `fn` over `items` with at most `limit` in flight. */
async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** 10,000 executions parked on signals at once in one weft (SQLite): none holds anything in the executor, all finish once signalled. */
describe('10,000 executions waiting on signals in one process', function () {
  this.timeout(300_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let runtime: BuiltRuntime;

  before(async () => {
    tmp = makeTempDir();
    runtime = await buildRuntime(loadConfig({ WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' }));
    runtime.startWaits();
  });
  after(async () => {
    await runtime.close();
    tmp.remove();
  });

  it('parks them all (the executor runs none), then each signal wakes its execution to the end', async () => {
    const { kernel, persistence } = runtime;
    const saved = await kernel.get(Tokens.WorkflowStore).create({
      name: 'many-approvals',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        { id: 'done', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.approve.output.payload }}' } },
      ],
      edges: [{ from: 'approve', to: 'done' }],
      outputs: { n: '{{ nodes.done.output }}' },
    });
    const ids: string[] = [];
    await inBatches(
      Array.from({ length: N }, (_, i) => i),
      100,
      async () => {
        const h = await kernel.executor.start(saved.definition, { workflowId: saved.id, workflowVersion: saved.version, trigger: 'api' });
        const doc = await h.done;
        assert.equal(doc.status, 'waiting');
        ids.push(h.executionId);
      },
    );
    assert.equal(kernel.executor.activeCount, 0);
    const count = async (status: string) =>
      Number(
        (await persistence!.executionStore.knex('workflow_execution').where({ workflow_id: saved.id, status }).count({ n: '*' }))[0]!.n,
      );
    assert.equal(await count('waiting'), N);

    const signals = kernel.get(Tokens.WaitService);
    await inBatches(
      ids.map((id, i) => [id, i] as const),
      100,
      async ([id, i]) => void (await signals.signal(id, 'approve', i)),
    );
    await waitFor(async () => ((await count('succeeded')) === N ? true : undefined), 'every execution to succeed', {
      timeoutMs: 240_000,
      intervalMs: 200,
    });
    const sample = await persistence!.executionStore.getExecution(ids[1234]!);
    assert.deepEqual(sample!.outputs, { n: 1234 });
    assert.equal(kernel.executor.activeCount, 0);
  });
});
