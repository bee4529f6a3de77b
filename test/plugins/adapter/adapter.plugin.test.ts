import assert from 'node:assert/strict';
import path from 'node:path';
import { ExpressionError, loadPluginModule, NodeExecutionError, type NodeExecutor, type Sandbox } from '../../../core';
import { ExprEvalEngine } from '../../../runtime/expressions/expr-eval-engine';
import adapterPlugin, { adapterNodeType, type AdapterConfig } from '../../../plugins/adapter/index';
import { nodeRunContext } from '../condition/node-run-context';

/** A sandbox that must not be reached by the non-code transforms. */
const unusedSandbox: Sandbox = {
  run: async () => assert.fail('the sandbox is only for the code transform'),
  dispose: async () => undefined,
};

describe('adapter node type', () => {
  const executor: NodeExecutor<AdapterConfig> = adapterNodeType.create({ expressions: new ExprEvalEngine(), sandbox: unusedSandbox });
  const ctx = nodeRunContext({ nodeId: 'shape', scope: { variables: { min: 10, region: 'eu' }, nodes: { prev: { output: { cut: 2 } } } } });
  const run = (config: AdapterConfig, c = ctx) => executor.execute(config, c);
  const failsWith = (p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp) =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    });

  it('loads by path through its package.json like a third-party plugin', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', '..', 'plugins', 'adapter');
    assert.equal(loadPluginModule(dir).id, 'weft.adapter');
  });

  it('is the weft.adapter plugin: sandboxed, single output, templated input', () => {
    assert.equal(adapterPlugin.id, 'weft.adapter');
    assert.equal(adapterNodeType.sandboxed, true);
    assert.equal(adapterNodeType.outputs, 'single');
    assert.deepEqual(adapterNodeType.templateFields, ['input']);
  });

  const rows = [
    { id: 1, name: 'a', price: 5 },
    { id: 2, name: 'b', extra: true },
    { id: 3, price: 30 },
  ];

  describe('json_to_dataframe / dataframe_to_json', () => {
    it('builds columnar JSON from the union of row keys, null where a row lacks one', async () => {
      const frame = await run({ transform: 'json_to_dataframe', input: rows });
      assert.deepEqual(frame, {
        columns: { id: [1, 2, 3], name: ['a', 'b', null], price: [5, null, 30], extra: [null, true, null] },
        numRows: 3,
      });
      // Plain JSON all the way down (no typed arrays, no undefined): it survives persistence unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(frame)), frame);
    });

    it('does not pick up inherited members for a row lacking a column such as "toString"', async () => {
      const frame = (await run({ transform: 'json_to_dataframe', input: [{ a: 1 }, { a: 2, toString: 'x' }] })) as {
        columns: Record<string, unknown[]>;
      };
      assert.deepEqual(Object.getOwnPropertyDescriptor(frame.columns, 'toString')?.value, [null, 'x']);
    });

    it('round-trips rows in row order', async () => {
      const many = Array.from({ length: 500 }, (_, i) => ({ i, sq: i * i, label: `r${i}` }));
      const frame = await run({ transform: 'json_to_dataframe', input: many });
      assert.deepEqual(await run({ transform: 'dataframe_to_json', input: frame }), many);
    });

    it('handles empty tables', async () => {
      assert.deepEqual(await run({ transform: 'json_to_dataframe', input: [] }), { columns: {}, numRows: 0 });
      assert.deepEqual(await run({ transform: 'dataframe_to_json', input: { columns: {}, numRows: 2 } }), [{}, {}]);
    });

    it('rejects inputs of the wrong shape with the reason', async () => {
      await failsWith(
        run({ transform: 'json_to_dataframe', input: { a: 1 } }),
        NodeExecutionError,
        /adapter node "shape": json_to_dataframe expects an array of row objects, got an object/,
      );
      await failsWith(
        run({ transform: 'json_to_dataframe', input: [{ a: 1 }, 5] }),
        NodeExecutionError,
        /row 1 must be an object, got a number/,
      );
      await failsWith(
        run({ transform: 'json_to_dataframe', input: [JSON.parse('{"__proto__": 1}')] }),
        NodeExecutionError,
        /"__proto__", which is not allowed as a column name/,
      );
      await failsWith(
        run({ transform: 'json_to_dataframe', input: [{ a: 1 }, { constructor: 1 }] }),
        NodeExecutionError,
        /row 1 has the key "constructor", which is not allowed/,
      );
      await failsWith(
        run({ transform: 'dataframe_to_json', input: JSON.parse('{"columns": {"__proto__": [1]}, "numRows": 1}') }),
        NodeExecutionError,
        /column name "__proto__" is not allowed/,
      );
      await failsWith(run({ transform: 'dataframe_to_json', input: [1] }), NodeExecutionError, /expected a DataFrame/);
      await failsWith(
        run({ transform: 'dataframe_to_json', input: { columns: { a: [1, 2], b: [1] }, numRows: 2 } }),
        NodeExecutionError,
        /column "b" has 1 values but numRows is 2/,
      );
      await failsWith(
        run({ transform: 'dataframe_to_json', input: { columns: { a: 'x' }, numRows: 1 } }),
        NodeExecutionError,
        /column "a" must be an array/,
      );
      await failsWith(
        run({ transform: 'dataframe_to_json', input: { columns: {}, numRows: -1 } }),
        NodeExecutionError,
        /"numRows" must be a non-negative integer/,
      );
    });
  });

  describe('map_fields', () => {
    const orders = [
      { id: 7, customer: { name: 'Ada', address: [{ city: 'Paris' }] }, total: 12 },
      { id: 8, customer: { name: 'Bob', address: [] }, total: 3 },
    ];

    it('keeps only the mapped fields, following dot and [index] paths', async () => {
      const out = await run({
        transform: 'map_fields',
        input: orders,
        mapping: { orderId: 'id', who: 'customer.name', city: 'customer.address[0].city' },
      });
      assert.deepEqual(out, [
        { orderId: 7, who: 'Ada', city: 'Paris' },
        { orderId: 8, who: 'Bob', city: null },
      ]);
    });

    it('maps a single object too', async () => {
      assert.deepEqual(await run({ transform: 'map_fields', input: orders[0], mapping: { n: 'customer.name' } }), { n: 'Ada' });
    });

    it('gives null for missing paths by default, an error with missing: "error"', async () => {
      assert.deepEqual(await run({ transform: 'map_fields', input: [{ a: 1 }], mapping: { b: 'nope.deeper' } }), [{ b: null }]);
      await failsWith(
        run({ transform: 'map_fields', input: orders, mapping: { city: 'customer.address[0].city' }, missing: 'error' }),
        NodeExecutionError,
        /map_fields: row 1 has no "customer.address\[0\].city" \(for field "city"\)/,
      );
    });

    it('never follows inherited members', async () => {
      assert.deepEqual(
        await run({ transform: 'map_fields', input: [{ a: 'x' }], mapping: { s: 'toString', l: 'a.length', h: 'hasOwnProperty' } }),
        [{ s: null, l: null, h: null }],
      );
    });

    it('refuses prototype paths and keys', async () => {
      await failsWith(
        run({ transform: 'map_fields', input: [{}], mapping: { p: 'a.__proto__' } }),
        NodeExecutionError,
        /"__proto__" is not allowed in a path/,
      );
      await failsWith(
        run({ transform: 'map_fields', input: [{}], mapping: { p: 'constructor.name' } }),
        NodeExecutionError,
        /"constructor" is not allowed in a path/,
      );
      await failsWith(
        run({ transform: 'map_fields', input: [{}], mapping: JSON.parse('{"__proto__": "a"}') }),
        NodeExecutionError,
        /"__proto__" is not allowed as a field name/,
      );
      assert.equal(({} as Record<string, unknown>).a, undefined);
    });

    it('wants objects as rows', async () => {
      await failsWith(
        run({ transform: 'map_fields', input: [{ a: 1 }, 'str'], mapping: { a: 'a' } }),
        NodeExecutionError,
        /map_fields expects objects, but row 1 is a string/,
      );
    });
  });

  describe('filter', () => {
    const items = [
      { sku: 'a', qty: 5, region: 'eu' },
      { sku: 'b', qty: 50, region: 'us' },
      { sku: 'c', qty: 12, region: 'eu' },
      { sku: 'd', qty: 11, region: 'eu' },
    ];

    it('keeps the rows where "where" is true, in order, with row fields beside variables and nodes', async () => {
      const out = await run({
        transform: 'filter',
        input: items,
        where: 'qty >= variables.min and region == variables.region and qty % nodes.prev.output.cut == 0',
      });
      assert.deepEqual(out, [items[2]]);
      assert.deepEqual(await run({ transform: 'filter', input: items, where: 'qty > 10' }), [items[1], items[2], items[3]]);
    });

    it('filters arrays of scalars through "row"', async () => {
      assert.deepEqual(await run({ transform: 'filter', input: [1, 20, 3, 40], where: 'row > 10' }), [20, 40]);
    });

    it('lets the roots win over row fields of the same name', async () => {
      const out = await run({
        transform: 'filter',
        input: [{ variables: 'shadow', v: 1 }],
        where: 'variables.region == "eu" and row.variables == "shadow"',
      });
      assert.deepEqual(out, [{ variables: 'shadow', v: 1 }]);
    });

    it('returns a single object or null', async () => {
      assert.deepEqual(await run({ transform: 'filter', input: items[1], where: 'qty > 10' }), items[1]);
      assert.equal(await run({ transform: 'filter', input: items[0], where: 'qty > 10' }), null);
    });

    it('requires a strict boolean per row and names the row and node', async () => {
      await failsWith(
        run({ transform: 'filter', input: items, where: 'qty' }),
        ExpressionError,
        /adapter node "shape": config\.where \(row 0\): must evaluate to a boolean, got number \(5\)/,
      );
      await failsWith(
        run({ transform: 'filter', input: [{ qty: 1 }, { n: 2 }], where: 'qty > 0' }),
        ExpressionError,
        /\(row 1\): unknown variable "qty" at character 1/,
      );
    });

    it('compiles once and evaluates per row', async () => {
      const engine = new ExprEvalEngine();
      let compiles = 0;
      const counting = { compile: (s: string) => (compiles++, engine.compile(s)), evaluateBoolean: engine.evaluateBoolean.bind(engine) };
      const ex = adapterNodeType.create({ expressions: counting, sandbox: unusedSandbox });
      const out = await ex.execute({ transform: 'filter', input: items, where: 'qty > 10' }, ctx);
      assert.equal((out as unknown[]).length, 3);
      assert.equal(compiles, 1);
    });

    it('refuses hostile where expressions', async () => {
      await failsWith(
        run({ transform: 'filter', input: items, where: 'sku.constructor' }),
        ExpressionError,
        /"constructor" is not allowed as a member/,
      );
      await failsWith(
        run({ transform: 'filter', input: items, where: 'row.f()' }),
        ExpressionError,
        /only built-in functions can be called/,
      );
    });
  });

  describe('input', () => {
    it('defaults to the only upstream output', async () => {
      const c = nodeRunContext({ nodeId: 'shape', upstream: [{ nodeId: 'up', output: [{ a: 1 }] }] });
      assert.deepEqual(await run({ transform: 'map_fields', mapping: { b: 'a' } }, c), [{ b: 1 }]);
    });

    it('asks for config.input when the upstream is ambiguous or absent', async () => {
      const two = nodeRunContext({
        nodeId: 'shape',
        upstream: [
          { nodeId: 'x', output: 1 },
          { nodeId: 'y', output: 2 },
        ],
      });
      await failsWith(
        run({ transform: 'filter', where: 'true' }, two),
        NodeExecutionError,
        /2 upstream outputs \(x, y\): set config\.input/,
      );
      await failsWith(run({ transform: 'filter', where: 'true' }), NodeExecutionError, /no "input" and no upstream output/);
    });
  });

  describe('validate', () => {
    const issues = (config: unknown) => executor.validate!(config as AdapterConfig);

    it('accepts complete configs', () => {
      assert.deepEqual(issues({ transform: 'json_to_dataframe', input: [] }), []);
      assert.deepEqual(issues({ transform: 'map_fields', mapping: { a: 'b.c[0]' }, missing: 'error' }), []);
      assert.deepEqual(issues({ transform: 'filter', where: 'a > 1' }), []);
      assert.deepEqual(issues({ transform: 'code', code: 'return input' }), []);
    });

    it('requires the fields of each transform', () => {
      assert.deepEqual(
        issues({ transform: 'map_fields' }).map((i) => i.path),
        ['config.mapping'],
      );
      assert.deepEqual(
        issues({ transform: 'filter' }).map((i) => i.path),
        ['config.where'],
      );
      assert.deepEqual(
        issues({ transform: 'code' }).map((i) => i.path),
        ['config.code'],
      );
      assert.deepEqual(
        issues({ transform: 'nope' }).map((i) => i.path),
        ['config.transform'],
      );
    });

    it('flags fields the transform does not use', () => {
      const found = issues({ transform: 'json_to_dataframe', where: 'x' });
      assert.deepEqual(
        found.map((i) => [i.path, i.message]),
        [['config.where', 'is not used by transform "json_to_dataframe"']],
      );
    });

    it('compiles where and checks mapping paths, with positions', () => {
      const bad = issues({ transform: 'filter', where: 'qty > > 1' });
      assert.equal(bad[0]!.path, 'config.where');
      assert.match(bad[0]!.message, /unexpected ">" at character 7/);
      const paths = issues({ transform: 'map_fields', mapping: { a: 'x..y', b: 'x[z]', c: 'a.prototype', d: '' } });
      assert.deepEqual(
        paths.map((i) => i.path),
        ['config.mapping.a', 'config.mapping.b', 'config.mapping.c', 'config.mapping.d'],
      );
      assert.match(paths[0]!.message, /empty name at character 3/);
      assert.match(paths[2]!.message, /"prototype" is not allowed/);
      assert.match(issues({ transform: 'map_fields', mapping: {} })[0]!.message, /at least one/);
    });
  });
});
