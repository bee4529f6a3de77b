import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { definePlugin, type WeftPlugin } from '../../../core/plugin/plugin';
import { defineNodeType } from '../../../core/plugin/node-type';
import { Tokens } from '../../../core/di/tokens';
import { createToken } from '../../../core/di/token';
import { bind } from '../../../core/kernel/kernel';
import { systemClock, type Clock } from '../../../core/services/clock';

const Greeting = createToken<{ text: string }>('test.greeting');

function providing(id: string, text: string, dependsOn: string[] = []): WeftPlugin {
  return definePlugin({ id, version: '1.0.0', dependsOn, register: (reg) => reg.provide(Greeting, () => ({ text })) });
}

describe('kernel: service bindings', () => {
  it("fails startup when a plugin's provide would replace another plugin's service, naming both", () => {
    assert.throws(
      () => startTestKernel({ plugins: [providing('acme.first', 'a'), providing('acme.second', 'b', ['acme.first'])] }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'WF_PLUGIN');
        assert.match(err.message, /plugin "acme\.second" provides service "test\.greeting", which plugin "acme\.first" already binds/);
        return true;
      },
    );
  });

  it('fails startup when a plugin provides a service the kernel binds, naming the plugin and the kernel', () => {
    const clockPlugin = definePlugin({
      id: 'acme.clock',
      version: '1.0.0',
      register: (reg) => reg.provide<Clock>(Tokens.Clock, () => systemClock),
    });
    assert.throws(
      () => startTestKernel({ plugins: [clockPlugin] }),
      /plugin "acme\.clock" provides service "core\.clock", which the kernel already binds/,
    );
  });

  it('lets overrides replace a plugin service (tests and embedders) and binds a service one plugin provides', async () => {
    const alone = startTestKernel({ plugins: [providing('acme.first', 'a')] });
    assert.equal(alone.get(Greeting).text, 'a');
    await alone.stop();
    const overridden = startTestKernel({ plugins: [providing('acme.first', 'a')], overrides: [bind(Greeting, () => ({ text: 'o' }))] });
    assert.equal(overridden.get(Greeting).text, 'o');
    await overridden.stop();
  });

  it("fails startup when a node type's dependency is bound by nothing, naming the plugin, the node type and the service", () => {
    const needy = definePlugin({
      id: 'acme.needy',
      version: '1.0.0',
      register: (reg) =>
        reg.addNodeType(
          defineNodeType<unknown, { greeting: { text: string } }>({
            type: 'greet',
            configSchema: { type: 'object' },
            deps: { greeting: Greeting },
            create: ({ greeting }) => ({ execute: async () => greeting.text }),
          }),
        ),
    });
    assert.throws(
      () => startTestKernel({ plugins: [needy] }),
      (err: Error & { code?: string; details?: unknown }) => {
        assert.equal(err.code, 'WF_PLUGIN');
        assert.match(
          err.message,
          /plugin "acme\.needy": node type "greet" needs service "test\.greeting" \(deps\.greeting\), which nothing binds/,
        );
        assert.deepEqual(err.details, { plugin: 'acme.needy', nodeType: 'greet', service: 'test.greeting' });
        return true;
      },
    );
  });

  it('has() tells a bound token from an unbound one', async () => {
    const kernel = startTestKernel();
    assert.equal(kernel.has(Tokens.Clock), true);
    assert.equal(kernel.has(Greeting), false);
    await kernel.stop();
  });
});
