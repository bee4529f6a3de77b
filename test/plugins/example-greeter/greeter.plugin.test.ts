import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, loadPluginModule, Tokens, ValidationError, type Kernel, type WorkflowDefinition } from '../../../core';
import greeterFromImport from '../../../plugins/example-greeter';
import { startTestKernel } from '../../support/test-kernel';
import { makeRunContext } from '../tool/node-run-context';
import { rejectionOf } from '../tool/rejection-of';

/** The repository root (this file runs from dist/test/plugins/example-greeter). */
const ROOT = path.resolve(__dirname, '../../../..');

describe('example third-party plugin: example.greeter', () => {
  const kernels: Kernel[] = [];
  // Loaded exactly as WEFT_PLUGINS=./plugins/example-greeter,./plugins/tool would load them.
  const greeter = loadPluginModule('./plugins/example-greeter', ROOT);
  const tool = loadPluginModule('./plugins/tool', ROOT);
  const start = (plugins = [tool, greeter]) => {
    const k = startTestKernel({ plugins });
    kernels.push(k);
    return k;
  };
  afterEach(async () => {
    await Promise.all(kernels.splice(0).map((k) => k.stop()));
  });

  it('loads through the configuration path: package.json main resolves to the compiled module', () => {
    assert.equal(greeter.id, 'example.greeter');
    assert.equal(greeter.version, '1.0.0');
    assert.deepEqual(greeter.dependsOn, ['weft.tool']);
    // the very module the compiled tree holds, not a copy
    assert.equal(greeter, greeterFromImport);
    assert.equal(tool.id, 'weft.tool');
    const main = JSON.parse(readFileSync(path.join(ROOT, 'plugins/example-greeter/package.json'), 'utf8')).main;
    assert.equal(require.resolve('./plugins/example-greeter', { paths: [ROOT] }), path.resolve(ROOT, 'plugins/example-greeter', main));
  });

  it('registers the greet node type and contributes the greeter.shout tool', async () => {
    const k = start();
    const greet = k.get(Tokens.NodeTypeRegistry).get('greet');
    assert.equal(greet.pluginId, 'example.greeter');
    assert.deepEqual(greet.definition.templateFields, ['name']);
    assert.deepEqual(await greet.executor.execute({ name: 'Ada' }, makeRunContext()), { message: 'Hello, Ada!' });
    assert.deepEqual(await greet.executor.execute({ name: 'Grace', greeting: 'Bonjour' }, makeRunContext()), {
      message: 'Bonjour, Grace!',
    });
    await assert.rejects(
      greet.executor.execute({ name: { evil: true } }, makeRunContext()),
      /greet: "name" must render to a string, got object/,
    );
    const tools = k.get(Tokens.ToolRegistry);
    assert.deepEqual(await tools.invoke('greeter.shout', { text: 'hi there' }, makeRunContext()), { text: 'HI THERE' });
    await assert.rejects(
      tools.invoke('greeter.shout', { txt: 'x' }, makeRunContext()),
      /tool "greeter\.shout" input: \/ must have required property 'text'/,
    );
  });

  it('fails startup with a clear "depends on" error without the tool plugin', () => {
    assert.throws(
      () => start([greeter]),
      (e: unknown) =>
        e instanceof ConfigurationError && e.message === 'plugin "example.greeter" depends on "weft.tool", which is not loaded',
    );
  });

  it('fails startup when loaded twice', () => {
    assert.throws(
      () => start([tool, greeter, loadPluginModule('./plugins/example-greeter', ROOT)]),
      /plugin "example\.greeter" is loaded twice/,
    );
  });

  it('fails loading a path that is not a plugin, naming it', () => {
    assert.throws(() => loadPluginModule('./plugins/no-such-plugin', ROOT), /plugin "\.\/plugins\/no-such-plugin" could not be loaded/);
  });

  it('runs greet and greeter.shout nodes in a workflow through kernel.executor.run', async () => {
    const k = start();
    const def = {
      name: 'greeting',
      variables: { who: 'Ada' },
      nodes: [
        { id: 'hello', type: 'greet', config: { name: '{{ variables.who }}' } },
        { id: 'loud', type: 'tool', config: { tool: 'greeter.shout', input: { text: '{{ nodes.hello.output.message }}' } } },
      ],
      edges: [{ from: 'hello', to: 'loud' }],
      outputs: { greeting: '{{ nodes.loud.output.text }}' },
    } as WorkflowDefinition;
    const doc = await k.executor.run(def, { inputs: { who: 'Grace' } });
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status, n.output]),
      [
        ['hello', 'succeeded', { message: 'Hello, Grace!' }],
        ['loud', 'succeeded', { text: 'HELLO, GRACE!' }],
      ],
    );
    assert.deepEqual(doc.outputs, { greeting: 'HELLO, GRACE!' });
  });

  it('rejects a greet node without a name at validation, with its path', async () => {
    const k = start();
    const err = await rejectionOf(
      k.executor.run({ name: 'x', nodes: [{ id: 'g', type: 'greet', config: { greeting: 'Hi' } }], edges: [] }),
    );
    assert.ok(err instanceof ValidationError);
    assert.match(JSON.stringify(err.details), /nodes\[0\]\.config/);
    assert.match(JSON.stringify(err.details), /name/);
  });

  it('imports only the core API (as a third-party package would)', () => {
    for (const dir of ['plugins/example-greeter', 'plugins/tool']) {
      for (const file of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
        const src = readFileSync(path.join(ROOT, dir, file), 'utf8');
        for (const [, spec = ''] of src.matchAll(/from '([^']+)'/g)) {
          const allowed =
            spec === '../../core' || spec.startsWith('./') || ['ajv', 'ajv-formats'].includes(spec) || spec.startsWith('node:');
          assert.ok(allowed, `${dir}/${file} imports "${spec}"`);
        }
      }
    }
  });
});
