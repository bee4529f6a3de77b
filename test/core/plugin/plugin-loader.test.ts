import assert from 'node:assert/strict';
import { definePlugin, defineNodeType } from '../../../core';
import { orderPlugins, assertPlugin, loadPluginModule } from '../../../core/plugin/plugin-loader';
import { Kernel } from '../../../core/kernel/kernel';
import { ConfigurationError } from '../../../core/errors/weft-error';

const plugin = (id: string, dependsOn: string[] = [], types: string[] = []) =>
  definePlugin({
    id,
    version: '1.0.0',
    dependsOn,
    register(reg) {
      for (const type of types)
        reg.addNodeType(defineNodeType({ type, configSchema: { type: 'object' }, create: () => ({ execute: async () => null }) }));
    },
  });

describe('plugin loading', () => {
  it('orders plugins after their dependencies', () => {
    const ordered = orderPlugins([plugin('a.c', ['a.b']), plugin('a.b', ['a.a']), plugin('a.a')]);
    assert.deepEqual(
      ordered.map((p) => p.id),
      ['a.a', 'a.b', 'a.c'],
    );
  });

  it('fails clearly on a missing dependency, a duplicate plugin, or a dependency cycle', () => {
    assert.throws(() => orderPlugins([plugin('x.one', ['x.missing'])]), /plugin "x.one" depends on "x.missing", which is not loaded/);
    assert.throws(() => orderPlugins([plugin('x.one'), plugin('x.one')]), /loaded twice/);
    assert.throws(() => orderPlugins([plugin('x.a', ['x.b']), plugin('x.b', ['x.a'])]), /cycle: x.a → x.b → x.a/);
  });

  it('fails startup on a duplicate node type, naming both plugins', () => {
    assert.throws(
      () => Kernel.create({ plugins: [plugin('p.one', [], ['dup']), plugin('p.two', [], ['dup'])] }),
      (e: unknown) =>
        e instanceof ConfigurationError && /node type "dup" is registered twice: by plugin "p.one" and by plugin "p.two"/.test(e.message),
    );
  });

  it('rejects malformed plugin modules with what is wrong', () => {
    assert.throws(
      () => assertPlugin({ id: 'nodots', version: 1 }, 'bad'),
      /"id" must be a dotted name.*"version" must be a string.*"register" must be a function/,
    );
    assert.throws(() => loadPluginModule('./definitely/not/here', __dirname), /plugin "\.\/definitely\/not\/here" could not be loaded/);
  });

  it('wraps a plugin whose register throws', () => {
    const broken = definePlugin({
      id: 'b.broken',
      version: '1',
      register() {
        throw new Error('nope');
      },
    });
    assert.throws(() => Kernel.create({ plugins: [broken] }), /plugin "b.broken" failed to register: nope/);
  });
});
