import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { chainDefinition } from './execution-fixtures';
import type { WorkflowStore } from '../../../core/store/workflow-store';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';

const scheduled = (name: string): WorkflowDefinition => ({
  ...chainDefinition(name, ['a']),
  schedule: { cron: '*/5 * * * *', timezone: 'Europe/Paris' },
});

/** The WorkflowStore contract, run against every implementation. */
function workflowStoreContract(store: () => WorkflowStore): void {
  it('creates at version 1 with a wf_ id, and updates add immutable versions', async () => {
    const s = store();
    const v1 = chainDefinition('orders', ['a', 'b']);
    const created = await s.create(v1);
    assert.match(created.id, /^wf_[0-9a-f]{8}-[0-9a-f]{4}-7/);
    assert.equal(created.version, 1);
    assert.equal(created.name, 'orders');
    assert.deepEqual(created.definition, v1);
    assert.equal(created.schedule, null);
    assert.ok(Date.parse(created.createdAt) > 0);
    const v2 = scheduled('orders-2');
    const updated = await s.update(created.id, v2);
    assert.equal(updated.version, 2);
    assert.equal(updated.name, 'orders-2');
    assert.deepEqual(updated.schedule, v2.schedule);
    assert.deepEqual(await s.getVersion(created.id, 1), v1);
    assert.deepEqual(await s.getVersion(created.id, 2), v2);
    assert.equal(await s.getVersion(created.id, 3), null);
    assert.deepEqual((await s.get(created.id))!.definition, v2);
  });

  it('deletes a workflow but keeps its versions readable; a deleted id continues its numbering', async () => {
    const s = store();
    const wf = await s.create(scheduled('gone'), 'my-flow');
    assert.equal(wf.id, 'my-flow');
    await assert.rejects(s.create(chainDefinition('dup', ['a']), 'my-flow'), { code: 'WF_CONFLICT' });
    await s.delete('my-flow');
    assert.equal(await s.get('my-flow'), null);
    assert.ok(!(await s.listScheduled()).some((r) => r.id === 'my-flow'));
    assert.ok(await s.getVersion('my-flow', 1), 'executions pinned to the version can still load it');
    await assert.rejects(s.delete('my-flow'), { code: 'WF_NOT_FOUND' });
    await assert.rejects(s.update('my-flow', chainDefinition('x', ['a'])), { code: 'WF_NOT_FOUND' });
    const again = await s.create(chainDefinition('back', ['a']), 'my-flow');
    assert.equal(again.version, 2);
    assert.equal((await s.getVersion('my-flow', 1))!.name, 'gone');
  });

  it('lists newest first with a signed cursor and lists scheduled workflows', async () => {
    const s = store();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await s.create(i % 2 ? scheduled(`p${i}`) : chainDefinition(`p${i}`, ['a']))).id);
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.list({ limit: 2, cursor });
      all.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const mine = all.filter((id) => made.includes(id));
    assert.deepEqual(mine, [...made].reverse());
    assert.equal(new Set(all).size, all.length);
    const sched = (await s.listScheduled()).map((r) => r.id);
    assert.ok(made.filter((_, i) => i % 2).every((id) => sched.includes(id)));
    assert.ok(!sched.includes(made[0]!));
    await assert.rejects(s.list({ limit: 2, cursor: 'eyJpZCI6Ind6In0.tampered' }), { code: 'WF_VALIDATION' });
    await assert.rejects(s.list({ limit: 0 }), { code: 'WF_VALIDATION' });
    await assert.rejects(s.list({ limit: 201 }), { code: 'WF_VALIDATION' });
  });

  it('rejects bad ids and treats hostile lookups as misses', async () => {
    const s = store();
    await assert.rejects(s.create(chainDefinition('x', ['a']), "x'; drop table workflow; --"), { code: 'WF_VALIDATION' });
    await assert.rejects(s.create(chainDefinition('x', ['a']), ''), { code: 'WF_VALIDATION' });
    assert.equal(await s.get("x' OR '1'='1"), null);
    assert.equal(await s.getVersion("x' OR '1'='1", 1), null);
  });

  it('serialises concurrent updates into distinct versions', async () => {
    const s = store();
    const wf = await s.create(chainDefinition('race', ['a']));
    const results = await Promise.all([1, 2, 3, 4].map((i) => s.update(wf.id, chainDefinition(`race-${i}`, ['a']))));
    assert.deepEqual(results.map((r) => r.version).sort(), [2, 3, 4, 5]);
    assert.equal((await s.get(wf.id))!.version, 5);
  });
}

describe('InMemoryWorkflowStore', () => {
  const s = new InMemoryWorkflowStore();
  workflowStoreContract(() => s);
});

describeDialects('SqlWorkflowStore', (ctx) => {
  let s: WorkflowStore;
  before(async () => {
    s = (await ctx.open()).workflowStore;
  });
  workflowStoreContract(() => s);
});
