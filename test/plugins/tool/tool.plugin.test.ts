import assert from 'node:assert/strict';
import {
  ConfigurationError,
  defineNodeType,
  definePlugin,
  ErrorCodes,
  ExtensionPoints,
  Tokens,
  type Kernel,
  type ToolDefinition,
  type WeftPlugin,
} from '../../../core';
import toolPluginDefault, { AjvToolRegistry, createToolPlugin, toolPlugin } from '../../../plugins/tool';
import { startTestKernel } from '../../support/test-kernel';
import { FlakyServer } from '../../support/flaky-server';
import { makeRunContext } from './node-run-context';
import { rejectionOf } from './rejection-of';

const upperTool: ToolDefinition<{ s: string }, string> = {
  name: 'acme.upper',
  description: 'acme upper',
  inputSchema: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] },
  outputSchema: { type: 'string' },
  execute: async ({ s }) => s.toUpperCase(),
};

function toolContributor(id: string, tool: ToolDefinition): WeftPlugin {
  return definePlugin({ id, version: '1.0.0', dependsOn: ['weft.tool'], register: (reg) => reg.contribute(ExtensionPoints.Tools, tool) });
}

describe('weft.tool plugin', () => {
  const kernels: Kernel[] = [];
  const start = (plugins: WeftPlugin[]) => {
    const k = startTestKernel({ plugins });
    kernels.push(k);
    return k;
  };
  afterEach(async () => {
    await Promise.all(kernels.splice(0).map((k) => k.stop()));
  });

  it('is the default export, with id weft.tool', () => {
    assert.equal(toolPluginDefault, toolPlugin);
    assert.equal(toolPlugin.id, 'weft.tool');
    assert.equal(toolPlugin.version, '1.0.0');
  });

  it('provides the registry with the built-in tools and registers the tool node type', () => {
    const k = start([toolPlugin]);
    const tools = k.get(Tokens.ToolRegistry);
    assert.ok(tools instanceof AjvToolRegistry);
    assert.deepEqual(
      tools.list().map((t) => t.name),
      ['core.echo', 'core.sleep', 'http.request'],
    );
    const nodeType = k.get(Tokens.NodeTypeRegistry).get('tool');
    assert.equal(nodeType.pluginId, 'weft.tool');
    assert.deepEqual(nodeType.definition.templateFields, ['input']);
  });

  it('builds the registry from every plugin contribution to ExtensionPoints.Tools', async () => {
    const k = start([toolContributor('acme.tools', upperTool), toolPlugin]);
    const tools = k.get(Tokens.ToolRegistry);
    assert.equal(tools.has('acme.upper'), true);
    assert.equal(await tools.invoke('acme.upper', { s: 'abc' }, makeRunContext()), 'ABC');
  });

  it('executes a tool node: tools.invoke(config.tool, config.input ?? {})', async () => {
    const k = start([toolPlugin]);
    const { executor } = k.get(Tokens.NodeTypeRegistry).get('tool');
    assert.deepEqual(await executor.execute({ tool: 'core.echo', input: { a: 1 } }, makeRunContext()), { a: 1 });
    assert.deepEqual(await executor.execute({ tool: 'core.echo' }, makeRunContext()), {});
    const err = await rejectionOf(executor.execute({ tool: 'core.sleep', input: { ms: 'x' } }, makeRunContext()));
    assert.equal(err.message, 'tool "core.sleep" input: /ms must be integer');
  });

  it('validates the tool name and a template-free input, with paths', () => {
    const k = start([toolPlugin]);
    const { executor } = k.get(Tokens.NodeTypeRegistry).get('tool');
    const validate = executor.validate!.bind(executor);
    assert.deepEqual(validate({ tool: 'http.request', input: { url: 'https://example.com' } }), []);
    assert.deepEqual(validate({ tool: 'nope.nope' }), [
      { path: 'config.tool', message: 'unknown tool "nope.nope"', code: ErrorCodes.WF_UNKNOWN_TOOL },
    ]);
    assert.deepEqual(validate({ tool: 'http.request', input: { url: 5, headers: { a: [] } } }), [
      { path: 'config.input.url', message: 'tool "http.request" input: /url must be string', code: ErrorCodes.WF_TOOL_INPUT },
      {
        path: 'config.input.headers.a',
        message: 'tool "http.request" input: /headers/a must be string,number,boolean',
        code: ErrorCodes.WF_TOOL_INPUT,
      },
    ]);
    // With a template the input is only known at run time.
    assert.deepEqual(validate({ tool: 'core.sleep', input: { ms: '{{ variables.ms }}' } }), []);
  });

  it('fails startup on a duplicate tool name across plugins', () => {
    const impostor = { ...upperTool, description: 'impostor upper' };
    assert.throws(
      () => start([toolPlugin, toolContributor('acme.one', upperTool), toolContributor('acme.two', impostor)]),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        /tool "acme\.upper" is registered twice: first "acme upper", then "impostor upper"/.test(e.message),
    );
  });

  it('fails startup on a contributed tool whose schema ajv rejects', () => {
    const broken: ToolDefinition = { ...upperTool, name: 'acme.broken', outputSchema: { type: 'string', minLenght: 1 } };
    assert.throws(
      () => start([toolPlugin, toolContributor('acme.broken', broken)]),
      /tool "acme\.broken" has an invalid output schema: strict mode: unknown keyword: "minLenght"/,
    );
  });

  it('fails startup when loaded twice, or when another plugin also adds a "tool" node type', () => {
    assert.throws(() => start([toolPlugin, createToolPlugin()]), /plugin "weft\.tool" is loaded twice/);
    const rival = definePlugin({
      id: 'acme.rival',
      version: '1.0.0',
      register: (reg) => reg.addNodeType(defineNodeType({ type: 'tool', configSchema: {}, create: () => ({ execute: async () => null }) })),
    });
    assert.throws(
      () => start([toolPlugin, rival]),
      /node type "tool" is registered twice: by plugin "weft\.tool" and by plugin "acme\.rival"/,
    );
  });

  it('passes http options through createToolPlugin', async () => {
    const server = await FlakyServer.start({ body: { some: 'json' } });
    try {
      const k = start([createToolPlugin({ http: { maxResponseBytes: 4 } })]);
      const err = await rejectionOf(k.get(Tokens.ToolRegistry).invoke('http.request', { url: server.url }, makeRunContext()));
      assert.equal(err.code, ErrorCodes.WF_HTTP_RESPONSE_TOO_LARGE);
      assert.equal(err.message, `GET ${server.url} response body exceeds 4 bytes`);
    } finally {
      await server.close();
    }
  });
});
