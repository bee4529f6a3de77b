import assert from 'node:assert/strict';
import type { Kernel, WorkflowDefinition } from '../../../core';
import conditionPlugin from '../../../plugins/condition/index';
import { expressionEngineBinding } from '../../../runtime/expressions/expression-engine.bindings';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

/** End to end: real condition nodes in the real executor, with `noop` nodes around them. */
describe('condition nodes in workflows', () => {
  let kernel: Kernel;
  before(() => {
    kernel = startTestKernel({ plugins: [createTestPlugin(), conditionPlugin], services: [expressionEngineBinding()] });
  });
  after(() => kernel.stop());

  const statusOf = (doc: { nodes: Array<{ nodeId: string; status: string; skipReason?: string | null }> }) =>
    Object.fromEntries(doc.nodes.map((n) => [n.nodeId, n.skipReason ? `${n.status}:${n.skipReason}` : n.status]));

  const diamond = (expression: string): WorkflowDefinition => ({
    name: 'branching',
    variables: { threshold: 100 },
    nodes: [
      { id: 'fetch', type: 'noop', config: { input: { total: 150 } } },
      { id: 'big', type: 'condition', config: { expression } },
      { id: 'notify', type: 'noop', config: { input: 'notified' } },
      { id: 'archive', type: 'noop', config: { input: 'archived' } },
      { id: 'afterArchive', type: 'noop', config: { input: 'after' } },
      { id: 'join', type: 'noop', config: { input: 'joined' } },
    ],
    edges: [
      { from: 'fetch', to: 'big' },
      { from: 'big', to: 'notify', branch: 'true' },
      { from: 'big', to: 'archive', branch: 'false' },
      { from: 'archive', to: 'afterArchive' },
      { from: 'notify', to: 'join' },
      { from: 'afterArchive', to: 'join' },
    ],
  });

  it('runs the "true" branch and skips the other, transitively, with joins still running', async () => {
    const doc = await kernel.executor.run(diamond('nodes.fetch.output.total > variables.threshold'));
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(statusOf(doc), {
      fetch: 'succeeded',
      big: 'succeeded',
      notify: 'succeeded',
      archive: 'skipped:branch_not_taken',
      afterArchive: 'skipped:branch_not_taken',
      join: 'succeeded',
    });
    assert.deepEqual(doc.nodes.find((n) => n.nodeId === 'big')!.output, { branch: 'true', value: true });
  });

  it('runs the "false" branch when the expression is false, with inputs overriding variables', async () => {
    const doc = await kernel.executor.run(diamond('nodes.fetch.output.total > variables.threshold'), { inputs: { threshold: 500 } });
    assert.deepEqual(statusOf(doc), {
      fetch: 'succeeded',
      big: 'succeeded',
      notify: 'skipped:branch_not_taken',
      archive: 'succeeded',
      afterArchive: 'succeeded',
      join: 'succeeded',
    });
  });

  it('routes by cases, falling through to "default"', async () => {
    const def = (region: string): WorkflowDefinition => ({
      name: 'router',
      variables: { region },
      nodes: [
        {
          id: 'route',
          type: 'condition',
          config: {
            cases: [
              { name: 'eu', expression: 'variables.region in ["fr", "de"]' },
              { name: 'us', expression: 'variables.region == "us"' },
            ],
          },
        },
        { id: 'eu', type: 'noop', config: { input: 'eu' } },
        { id: 'us', type: 'noop', config: { input: 'us' } },
        { id: 'other', type: 'noop', config: { input: 'other' } },
      ],
      edges: [
        { from: 'route', to: 'eu', branch: 'eu' },
        { from: 'route', to: 'us', branch: 'us' },
        { from: 'route', to: 'other', branch: 'default' },
      ],
      outputs: { route: '{{ nodes.route.output }}' },
    });
    const de = await kernel.executor.run(def('de'));
    assert.deepEqual(statusOf(de), {
      route: 'succeeded',
      eu: 'succeeded',
      us: 'skipped:branch_not_taken',
      other: 'skipped:branch_not_taken',
    });
    assert.deepEqual(de.outputs, { route: { branch: 'eu', value: 'eu' } });
    const jp = await kernel.executor.run(def('jp'));
    assert.deepEqual(statusOf(jp), {
      route: 'succeeded',
      eu: 'skipped:branch_not_taken',
      us: 'skipped:branch_not_taken',
      other: 'succeeded',
    });
    assert.deepEqual(jp.outputs, { route: { branch: 'default', value: null } });
  });

  it('never renders templates inside expressions (no injection through data)', async () => {
    const doc = await kernel.executor.run({
      name: 'no-injection',
      variables: { text: '{{ variables.secret }}', secret: 'true' },
      nodes: [{ id: 'c', type: 'condition', config: { expression: 'variables.text == "{{ variables.secret }}"' } }],
    });
    assert.deepEqual(doc.nodes[0]!.output, { branch: 'true', value: true });
  });

  it('fails the execution with an ExpressionError naming the node', async () => {
    const doc = await kernel.executor.run({
      name: 'bad-type',
      variables: { flag: 'false' },
      nodes: [{ id: 'check', type: 'condition', config: { expression: 'variables.flag' } }],
    });
    assert.equal(doc.status, 'failed');
    const node = doc.nodes[0]!;
    assert.equal(node.status, 'failed');
    assert.equal(node.error?.type, 'ExpressionError');
    assert.equal(node.error?.code, 'WF_EXPRESSION');
    assert.match(
      node.error.message,
      /condition node "check": config\.expression: expression must evaluate to a boolean, got string \("false"\)/,
    );
  });

  it('is validated before anything runs: expression syntax and branch labels, with paths', () => {
    const result = kernel.validator.validate({
      name: 'invalid',
      nodes: [
        { id: 'a', type: 'noop', config: {} },
        {
          id: 'c',
          type: 'condition',
          config: {
            cases: [
              { name: 'x', expression: 'true' },
              { name: 'y', expression: 'a.b = 1' },
            ],
          },
        },
        { id: 'd', type: 'noop', config: {} },
      ],
      edges: [
        { from: 'a', to: 'c' },
        { from: 'c', to: 'd', branch: 'z' },
      ],
    });
    assert.equal(result.ok, false);
    const issues = (result as { issues: Array<{ path: string; message: string }> }).issues;
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    assert.match(byPath['nodes[1].config.cases[1].expression']!, /assignment .* not allowed.* at character 5/);
    assert.match(byPath['edges[1].branch']!, /has no branch "z"/);
  });

  it('accepts "default" as a branch label even for a single expression', () => {
    const result = kernel.validator.validate({
      name: 'default-ok',
      nodes: [
        { id: 'c', type: 'condition', config: { expression: 'true' } },
        { id: 'd', type: 'noop', config: {} },
      ],
      edges: [{ from: 'c', to: 'd', branch: 'default' }],
    });
    assert.equal(result.ok, true);
  });
});
