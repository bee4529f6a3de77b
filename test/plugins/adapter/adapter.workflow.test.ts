import assert from 'node:assert/strict';
import { bind, DEFAULT_SANDBOX_LIMITS, Tokens, type Kernel, type WorkflowDefinition } from '../../../core';
import adapterPlugin from '../../../plugins/adapter/index';
import conditionPlugin from '../../../plugins/condition/index';
import { expressionEngineBinding } from '../../../runtime/expressions/expression-engine.bindings';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';

/** End to end: adapter nodes chained in the real executor, code through a real isolate. */
describe('adapter nodes in workflows', () => {
  let kernel: Kernel;
  before(() => {
    kernel = startTestKernel({
      plugins: [createTestPlugin(), conditionPlugin, adapterPlugin],
      services: [
        expressionEngineBinding(),
        bind(Tokens.Sandbox, () => new IsolatedVmSandbox({ defaults: DEFAULT_SANDBOX_LIMITS, poolSize: 1 })),
      ],
    });
  });
  after(() => kernel.stop());

  const orders = [
    { id: 1, customer: { name: 'Ada' }, total: 120, region: 'eu' },
    { id: 2, customer: { name: 'Bob' }, total: 15, region: 'eu' },
    { id: 3, customer: { name: 'Cy' }, total: 300, region: 'us' },
    { id: 4, customer: { name: 'Di' }, total: 180, region: 'eu' },
  ];

  const pipeline: WorkflowDefinition = {
    name: 'order-pipeline',
    variables: { minTotal: 100, region: 'eu' },
    nodes: [
      { id: 'src', type: 'noop', config: { input: { orders } } },
      { id: 'frame', type: 'adapter', config: { transform: 'json_to_dataframe', input: '{{ nodes.src.output.orders }}' } },
      { id: 'rows', type: 'adapter', config: { transform: 'dataframe_to_json' } },
      { id: 'big', type: 'adapter', config: { transform: 'filter', where: 'total >= variables.minTotal and region == variables.region' } },
      { id: 'slim', type: 'adapter', config: { transform: 'map_fields', mapping: { order: 'id', who: 'customer.name', amount: 'total' } } },
      {
        id: 'sum',
        type: 'adapter',
        limits: { cpuMs: 500 },
        config: {
          transform: 'code',
          code: 'return { count: input.length, amount: input.reduce((s, r) => s + r.amount, 0), region: variables.region };',
        },
      },
      { id: 'large', type: 'condition', config: { expression: 'nodes.sum.output.amount > 250' } },
      { id: 'alert', type: 'noop', config: { input: 'alert' } },
    ],
    edges: [
      { from: 'src', to: 'frame' },
      { from: 'frame', to: 'rows' },
      { from: 'rows', to: 'big' },
      { from: 'big', to: 'slim' },
      { from: 'slim', to: 'sum' },
      { from: 'sum', to: 'large' },
      { from: 'large', to: 'alert', branch: 'true' },
    ],
    outputs: { frame: '{{ nodes.frame.output }}', slim: '{{ nodes.slim.output }}', sum: '{{ nodes.sum.output }}' },
  };

  it('transforms rows → frame → rows → filter → map → code, keeping row order, and branches on the result', async () => {
    const doc = await kernel.executor.run(pipeline);
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.nodes.find((n) => n.error)?.error));
    const outputs = doc.outputs as Record<string, any>;
    assert.deepEqual(outputs.frame.columns.id, [1, 2, 3, 4]);
    assert.deepEqual(
      outputs.frame.columns.customer,
      orders.map((o) => o.customer),
    );
    assert.equal(outputs.frame.numRows, 4);
    assert.deepEqual(outputs.slim, [
      { order: 1, who: 'Ada', amount: 120 },
      { order: 4, who: 'Di', amount: 180 },
    ]);
    assert.deepEqual(outputs.sum, { count: 2, amount: 300, region: 'eu' });
    assert.equal(doc.nodes.find((n) => n.nodeId === 'alert')!.status, 'succeeded');
  });

  it('fails the node with the filter error and skips what depends on it', async () => {
    const broken = structuredClone(pipeline) as any;
    broken.nodes[3].config.where = 'total';
    broken.settings = { onNodeFailure: 'continue' };
    const doc = await kernel.executor.run(broken);
    const big = doc.nodes.find((n) => n.nodeId === 'big')!;
    assert.equal(big.status, 'failed');
    assert.equal(big.error?.type, 'ExpressionError');
    assert.match(big.error.message, /adapter node "big": config\.where \(row 0\): must evaluate to a boolean, got number \(120\)/);
    assert.equal(doc.nodes.find((n) => n.nodeId === 'slim')!.skipReason, 'upstream_failed');
  });

  it('is validated up front with paths into the adapter config', () => {
    const bad = structuredClone(pipeline) as any;
    bad.nodes[3].config.where = 'total >';
    bad.nodes[4].config.mapping.who = 'customer.__proto__.x';
    bad.nodes[1].config.code = 'return 1';
    const result = kernel.validator.validate(bad);
    assert.equal(result.ok, false);
    const byPath = Object.fromEntries(
      (result as { issues: Array<{ path: string; message: string }> }).issues.map((i) => [i.path, i.message]),
    );
    assert.match(byPath['nodes[3].config.where']!, /unexpected end of expression at character 8/);
    assert.match(byPath['nodes[4].config.mapping.who']!, /"__proto__" is not allowed in a path/);
    assert.match(byPath['nodes[1].config.code']!, /not used by transform "json_to_dataframe"/);
  });
});
