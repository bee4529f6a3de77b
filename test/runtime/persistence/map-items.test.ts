import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { mapPlugin } from '../../../plugins/map/index';
import { waitFor } from '../../support/wait-for';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin, type TestHandler } from '../../support/test-plugin';
import type { Kernel } from '../../../core';

const def = {
  name: 'map-durable',
  nodes: [
    {
      id: 'fan',
      type: 'map',
      config: {
        items: '{{ inputs.list }}',
        concurrency: 3,
        onItemFailure: 'continue',
        node: { type: 'fn', config: { fn: 'work', input: '{{ index }}' } },
      },
    },
  ],
  outputs: { fan: '{{ nodes.fan.output }}' },
};

describeDialects('map item records', (ctx) => {
  let p: Persistence;
  const kernels: Kernel[] = [];
  const kernel = (work: TestHandler) => {
    const k = startTestKernel({ services: persistenceBindings(p), plugins: [mapPlugin, createTestPlugin({ work })] });
    kernels.push(k);
    return k;
  };
  const itemRows = (id: string) => p.executionStore.knex('map_item').where({ execution_id: id }).orderBy('item_index');
  beforeEach(async () => {
    p = await ctx.open();
  });
  afterEach(async () => {
    for (const k of kernels.splice(0)) await k.stop();
  });

  it('records each finished item, so a resumed map runs only the items that were in flight', async function () {
    this.timeout(30_000);
    const first: number[] = [];
    // items 0-9 finish (4 fails: recorded as failed with `continue`); 10-12 hang until the process stops
    const k1 = kernel(async (index: number, c) => {
      first.push(index);
      if (index === 4) throw new Error('four fails');
      if (index >= 10) await new Promise((_r, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason), { once: true }));
      return index * 2;
    });
    const list = Array.from({ length: 20 }, (_, i) => i);
    const handle = await k1.executor.start(def, { inputs: { list } });
    const id = handle.executionId;
    await waitFor(async () => (await itemRows(id)).length === 10, 'ten items recorded', { timeoutMs: 20_000 });
    await k1.executor.drain(10);
    const rows = await itemRows(id);
    assert.deepEqual(
      rows.map((r) => [Number(r.item_index), r.status]),
      list.slice(0, 10).map((i) => [i, i === 4 ? 'failed' : 'succeeded']),
    );
    assert.equal(JSON.parse(rows[3].output), 6);
    assert.equal(JSON.parse(rows[4].error).message, 'four fails');
    assert.deepEqual(
      first.slice().sort((a, b) => a - b),
      list.slice(0, 13),
    );
    const left = (await p.executionStore.getExecution(id))!;
    assert.equal(left.status, 'running');

    const second: number[] = [];
    const k2 = kernel(async (index: number) => (second.push(index), index * 2));
    const doc = await k2.executor.run(def, {
      executionId: id,
      inputs: { list },
      resume: { startedAt: left.startedAt!, nodes: left.nodes },
    });
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(
      second.sort((a, b) => a - b),
      list.slice(10),
      'only the items not recorded ran again',
    );
    const out = doc.outputs!.fan as { items: unknown[]; failed: Array<{ index: number; error: { message: string } }> };
    assert.deepEqual(
      out.items,
      list.map((i) => (i === 4 ? null : i * 2)),
    );
    assert.deepEqual(
      out.failed.map((f) => [f.index, f.error.message]),
      [[4, 'four fails']],
    );
    assert.equal((await itemRows(id)).length, 20);

    // retention deletes an execution's item records with it
    assert.equal(await p.prune(new Date(Date.now() + 60_000)), 1);
    assert.equal((await itemRows(id)).length, 0);
  });
});
