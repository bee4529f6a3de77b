import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin } from '../../support/persistence-test-plugin';
import { persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import type { Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { countCommits } from './execution-fixtures';

const workflow: WorkflowDefinition = {
  name: 'kernel-e2e',
  settings: { onNodeFailure: 'continue' },
  nodes: [
    { id: 'fetch', type: 'echo', config: { value: { items: [1, 2, 3], who: '{{ inputs.who }}' } } },
    { id: 'broken', type: 'fail', config: { message: 'upstream API said no' } },
    { id: 'after_broken', type: 'echo', config: { value: 'never' } },
    { id: 'shape', type: 'echo', config: { value: { count: '{{ nodes.fetch.output.items.length }}' } } },
  ],
  edges: [
    { from: 'fetch', to: 'broken' },
    { from: 'broken', to: 'after_broken' },
    { from: 'fetch', to: 'shape' },
  ],
  outputs: { shaped: '{{ nodes.shape.output }}' },
};

describeDialects('executor with SQL persistence', (ctx) => {
  let p: Persistence;
  let kernel: Kernel;
  before(async () => {
    p = await ctx.open();
    kernel = startTestKernel({ plugins: [persistenceTestPlugin()], services: persistenceBindings(p) });
  });
  after(async () => {
    await kernel?.stop();
  });

  it('binds the SQL stores to the kernel tokens', () => {
    assert.equal(kernel.get(Tokens.ExecutionStore), p.executionStore);
    assert.equal(kernel.get(Tokens.WorkflowStore), p.workflowStore);
    assert.equal(kernel.get(Tokens.ApiKeyStore), p.apiKeyStore);
  });

  it('records a real run so that the stored document equals the one the executor returned', async () => {
    const saved = await p.workflowStore.create(workflow);
    const doc = await kernel.executor.run(saved.definition, {
      workflowId: saved.id,
      workflowVersion: saved.version,
      inputs: { who: 'ada' },
      trigger: 'api',
    });
    assert.equal(doc.status, 'partially_succeeded');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['fetch', 'succeeded'],
        ['broken', 'failed'],
        ['after_broken', 'skipped'],
        ['shape', 'succeeded'],
      ],
    );
    const stored = await p.executionStore.getExecution(doc.id);
    assert.deepStrictEqual(stored, doc);
    assert.equal(stored.nodes[1]!.error!.message, 'upstream API said no');
    assert.equal(stored.nodes[2]!.skipReason, 'upstream_failed');
    // the execution pins version 1, and the definition is not copied onto the row (the version holds it)
    const row = await p.executionStore.knex('workflow_execution').where({ id: doc.id }).first('workflow_version', 'definition', 'owner');
    assert.equal(Number(row.workflow_version), 1);
    assert.equal(row.definition, null);
    assert.equal(row.owner, p.executionStore.owner);
    const page = await p.executionStore.listExecutions({ workflowId: saved.id, limit: 10 });
    assert.deepEqual(
      page.items.map((e) => e.id),
      [doc.id],
    );
  });

  it('keeps the definition of an ad-hoc (unsaved) run on the execution, for recovery', async () => {
    const doc = await kernel.executor.run({ name: 'adhoc-run', nodes: [{ id: 'a', type: 'echo', config: { value: 1 } }] });
    assert.equal(doc.status, 'succeeded');
    const row = await p.executionStore.knex('workflow_execution').where({ id: doc.id }).first('definition');
    assert.equal(JSON.parse(row.definition).name, 'adhoc-run');
    assert.deepStrictEqual(await p.executionStore.getExecution(doc.id), doc);
  });

  it('runs an idempotency key once, even when started concurrently', async () => {
    const def: WorkflowDefinition = { name: 'idem-e2e', nodes: [{ id: 'a', type: 'sleep', config: { ms: 20 } }] };
    const handles = await Promise.all(
      [1, 2, 3].map(() =>
        kernel.executor.start(def, { workflowId: 'wf_idem_e2e', idempotencyKey: 'schedule:wf_idem_e2e:2026-01-01T00:00:00Z' }),
      ),
    );
    assert.equal(handles.filter((h) => h.created).length, 1);
    assert.equal(new Set(handles.map((h) => h.executionId)).size, 1);
    const docs = await Promise.all(handles.map((h) => h.done));
    assert.ok(docs.every((d) => d.status === 'succeeded'));
    assert.equal((await p.executionStore.listExecutions({ workflowId: 'wf_idem_e2e', limit: 10 })).items.length, 1);
  });

  it('commits once for the start and once per node boundary; the last node shares the commit of the end', async () => {
    const commits = countCommits(p);
    const one = await kernel.executor.run({ name: 'one', nodes: [{ id: 'only', type: 'echo', config: { value: 1 } }] });
    assert.equal(one.status, 'succeeded');
    assert.equal(commits.count, 2, 'start; node + end');
    const ids = ['a', 'b', 'c'];
    const chain: WorkflowDefinition = {
      name: 'abc',
      nodes: ids.map((id) => ({ id, type: 'echo', config: { value: id } })),
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    };
    const doc = await kernel.executor.run(chain);
    assert.equal(commits.count, 2 + 4, 'start; a; b; c + end');
    // nothing was lost by sharing: the stored document is the returned one
    assert.deepStrictEqual(await p.executionStore.getExecution(doc.id), doc);
    assert.deepStrictEqual(await p.executionStore.getExecution(one.id), one);
  });

  it('records a 300-node chain with one row per node', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const def: WorkflowDefinition = {
      name: 'long-chain',
      nodes: ids.map((id) => ({ id, type: 'echo', config: { value: id } })),
      edges: ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id })),
    };
    const doc = await kernel.executor.run(def);
    assert.equal(doc.status, 'succeeded');
    const nodes = await p.executionStore.listNodeExecutions(doc.id);
    assert.deepEqual(
      nodes.map((n) => n.nodeId),
      ids,
    );
    assert.ok(nodes.every((n) => n.status === 'succeeded'));
  });

  it('leaves the event loop a turn every few commits while a chain of quick nodes runs alone', async () => {
    // a node finish of a lone execution commits without waiting for the loop's check phase; the
    // loop must still get its turns (requests, cancels, timers) while a long chain runs
    const ids = Array.from({ length: 200 }, (_, i) => `q${i}`);
    const def: WorkflowDefinition = {
      name: 'quick-chain',
      nodes: ids.map((id) => ({ id, type: 'echo', config: { value: id } })),
      edges: ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id })),
    };
    const commits = countCommits(p);
    const turns: number[] = [];
    let done = false;
    const turn = () => {
      turns.push(commits.count);
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const doc = await kernel.executor.run(def);
    done = true;
    // the commits since the last turn count too
    turns.push(commits.count);
    assert.equal(doc.status, 'succeeded');
    assert.ok(commits.count > 100, `${commits.count} commits`);
    let widest = 0;
    for (let i = 1; i < turns.length; i++) widest = Math.max(widest, turns[i]! - turns[i - 1]!);
    // 32 commits, then one in the check phase; a probe in the check phase sees two such runs at
    // most (one started in another phase, by a timer or I/O, ends in the same loop iteration)
    assert.ok(widest <= 2 * 33, `${widest} commits between two loop turns`);
  });
});
