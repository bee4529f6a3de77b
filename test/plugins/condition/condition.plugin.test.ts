import assert from 'node:assert/strict';
import path from 'node:path';
import { ExpressionError, loadPluginModule, ValidationError, type NodeExecutor } from '../../../core';
import { ExprEvalEngine } from '../../../runtime/expressions/expr-eval-engine';
import conditionPlugin, { conditionNodeType, type ConditionConfig } from '../../../plugins/condition/index';
import { nodeRunContext } from './node-run-context';

describe('condition node type', () => {
  const executor: NodeExecutor<ConditionConfig> = conditionNodeType.create({ expressions: new ExprEvalEngine() });
  const ctx = nodeRunContext({
    nodeId: 'route',
    scope: {
      variables: { threshold: 100, region: 'eu' },
      inputs: { region: 'eu' },
      nodes: { fetch: { output: { total: 150, status: 'open' } }, broken: { error: { type: 'TransientError', message: 'x' } } },
    },
  });

  it('loads by path through its package.json like a third-party plugin', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', '..', 'plugins', 'condition');
    assert.equal(loadPluginModule(dir).id, 'weft.condition');
  });

  it('is packaged as the weft.condition plugin with a branching node type and no templated fields', () => {
    assert.equal(conditionPlugin.id, 'weft.condition');
    const added: unknown[] = [];
    conditionPlugin.register({ addNodeType: (d) => added.push(d), provide: () => undefined, contribute: () => undefined });
    assert.deepEqual(added, [conditionNodeType]);
    assert.equal(conditionNodeType.type, 'condition');
    assert.equal(conditionNodeType.outputs, 'branches');
    assert.equal(conditionNodeType.templateFields, undefined);
  });

  describe('single expression', () => {
    it('selects "true" with the boolean as value', async () => {
      assert.deepEqual(await executor.execute({ expression: 'nodes.fetch.output.total > variables.threshold' }, ctx), {
        branch: 'true',
        value: true,
      });
    });

    it('selects "false"', async () => {
      assert.deepEqual(await executor.execute({ expression: 'nodes.fetch.output.total > 1000' }, ctx), { branch: 'false', value: false });
    });

    it("reads inputs, execution and a failed node's error", async () => {
      const out = await executor.execute(
        { expression: 'inputs.region == "eu" and execution.id == "exec-1" and nodes.broken.error.type == "TransientError"' },
        ctx,
      );
      assert.deepEqual(out, { branch: 'true', value: true });
    });
  });

  describe('cases', () => {
    const cases = [
      { name: 'huge', expression: 'nodes.fetch.output.total > 1000' },
      { name: 'big', expression: 'nodes.fetch.output.total > variables.threshold' },
      { name: 'open', expression: 'nodes.fetch.output.status == "open"' },
    ];

    it('selects the first matching case in order, with its name as value', async () => {
      assert.deepEqual(await executor.execute({ cases }, ctx), { branch: 'big', value: 'big' });
    });

    it('selects "default" with a null value when nothing matches', async () => {
      assert.deepEqual(await executor.execute({ cases: [cases[0]!] }, ctx), { branch: 'default', value: null });
    });

    it('does not evaluate cases after the match', async () => {
      const out = (await executor.execute({ cases: [cases[1]!, { name: 'bad', expression: 'missing.value' }] }, ctx)) as { branch: string };
      assert.equal(out.branch, 'big');
    });
  });

  describe('run-time errors', () => {
    it('names the node, the field and the position of a non-boolean result', async () => {
      await assert.rejects(executor.execute({ expression: 'nodes.fetch.output.status' }, ctx), (err: unknown) => {
        assert.ok(err instanceof ExpressionError);
        assert.match(
          err.message,
          /^condition node "route": config\.expression: expression must evaluate to a boolean, got string \("open"\)/,
        );
        assert.equal((err.details as { nodeId: string }).nodeId, 'route');
        return true;
      });
    });

    it('names the case whose expression failed and where', async () => {
      await assert.rejects(
        executor.execute(
          {
            cases: [
              { name: 'a', expression: 'false' },
              { name: 'b', expression: 'nodes.fetch.output.totl > 1' },
            ],
          },
          ctx,
        ),
        (err: unknown) => {
          assert.ok(err instanceof ExpressionError);
          assert.match(
            err.message,
            /condition node "route": config\.cases\[1\]\.expression \(case "b"\): nodes\.fetch\.output has no property "totl" at character 20/,
          );
          assert.deepEqual(err.details, {
            nodeId: 'route',
            field: 'config.cases[1].expression',
            expression: 'nodes.fetch.output.totl > 1',
            position: 20,
          });
          return true;
        },
      );
    });

    it('refuses a config that never passed validation', async () => {
      await assert.rejects(
        executor.execute({ expression: 'true', cases: [] }, ctx),
        (err: unknown) => err instanceof ValidationError && /condition node "route": config: set either/.test(err.message),
      );
    });
  });

  describe('validate', () => {
    const issues = (config: unknown) => executor.validate!(config as ConditionConfig);

    it('accepts a valid single expression and valid cases', () => {
      assert.deepEqual(issues({ expression: 'a > 1' }), []);
      assert.deepEqual(
        issues({
          cases: [
            { name: 'x', expression: 'a' },
            { name: 'y', expression: 'b' },
          ],
        }),
        [],
      );
    });

    it('wants exactly one of expression and cases', () => {
      assert.deepEqual(
        issues({}).map((i) => i.path),
        ['config'],
      );
      assert.match(
        issues({ expression: 'a', cases: [{ name: 'x', expression: 'b' }] })[0]!.message,
        /either "expression" or "cases", not both/,
      );
    });

    it('compiles every expression and reports the path and position', () => {
      const found = issues({
        cases: [
          { name: 'ok', expression: 'a > 1' },
          { name: 'bad', expression: 'a > > 1' },
        ],
      });
      assert.equal(found.length, 1);
      assert.equal(found[0]!.path, 'config.cases[1].expression');
      assert.match(found[0]!.message, /unexpected ">" at character 5/);
      assert.equal(issues({ expression: 'x = 1' })[0]!.path, 'config.expression');
      assert.match(
        issues({ expression: 'nodes.a.output.constructor' })[0]!.message,
        /"constructor" is not allowed as a member at character 16/,
      );
    });

    it('wants unique case names other than "default"', () => {
      const found = issues({
        cases: [
          { name: 'a', expression: 'true' },
          { name: 'a', expression: 'true' },
          { name: 'default', expression: 'true' },
          { name: '', expression: 'true' },
        ],
      });
      assert.deepEqual(
        found.map((i) => i.path),
        ['config.cases[1].name', 'config.cases[2].name', 'config.cases[3].name'],
      );
      assert.match(found[0]!.message, /duplicate case name "a" \(first at cases\[0\]\)/);
      assert.match(found[1]!.message, /"default" is reserved/);
    });

    it('reports an empty case list and empty expressions once', () => {
      assert.deepEqual(
        issues({ cases: [] }).map((i) => i.path),
        ['config.cases'],
      );
      assert.deepEqual(
        issues({ expression: '  ' }).map((i) => i.path),
        ['config.expression'],
      );
    });
  });

  describe('branches', () => {
    it('lists "true"/"false" or the case names plus "default"', () => {
      assert.deepEqual(executor.branches!({ expression: 'a' }), ['true', 'false']);
      assert.deepEqual(
        executor.branches!({
          cases: [
            { name: 'x', expression: 'a' },
            { name: 'y', expression: 'b' },
          ],
        }),
        ['x', 'y', 'default'],
      );
    });

    it('never throws on a broken config', () => {
      assert.deepEqual(executor.branches!({ cases: [null, { name: 3 }] } as unknown as ConditionConfig), ['default']);
      assert.deepEqual(executor.branches!(undefined as unknown as ConditionConfig), ['true', 'false']);
    });
  });
});
