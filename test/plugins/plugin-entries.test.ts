import assert from 'node:assert/strict';
import path from 'node:path';
import type { NodeTypeDefinition, PluginRegistrar, WeftPlugin } from '../../core';

/**
 * The built-in plugins are packages (plugins/<name>/package.json) that a host loads, and whose
 * entry other code imports from (the node type, its config schema, constants, helpers) the way a
 * third party would. These tests pin each entry's public surface, so dropping or renaming an
 * export is a deliberate change here rather than a break found by a user.
 */
const PLUGINS = path.join(__dirname, '..', '..', '..', 'plugins');
// loaded by path at run time, as a host loads a plugin package (an import would be resolved at build time)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const entry = (name: string) => require(path.join(PLUGINS, name)) as Record<string, unknown>;

const SURFACE: Record<string, Record<string, string>> = {
  adapter: { ADAPTER_TRANSFORMS: 'object', adapterConfigSchema: 'object', adapterNodeType: 'object', adapterPlugin: 'object' },
  agent: {
    AGENT_DEFAULTS: 'object',
    AgentManager: 'function',
    AgentManagerToken: 'symbol',
    AgentToolSet: 'function',
    MAX_AGENT_STEPS: 'number',
    agentConfigSchema: 'object',
    agentNodeType: 'object',
    agentPlugin: 'object',
    parseAgentJson: 'function',
  },
  aggregator: {
    AGGREGATE_CHUNK_SIZE: 'number',
    AGGREGATE_STRATEGIES: 'object',
    DEFAULT_WORKER_THRESHOLD: 'number',
    NUMERIC_STRATEGIES: 'object',
    aggregatorConfigSchema: 'object',
    aggregatorNodeType: 'object',
    aggregatorPlugin: 'object',
    chunkValues: 'function',
    combinePartials: 'function',
    concatValues: 'function',
    countValues: 'function',
    emptyPartial: 'function',
    extractNumbers: 'function',
    finishNumeric: 'function',
    isNumericStrategy: 'function',
    mergeObjects: 'function',
    numericPartial: 'function',
    reduceNumbers: 'function',
  },
  condition: { DEFAULT_BRANCH: 'string', conditionConfigSchema: 'object', conditionNodeType: 'object', conditionPlugin: 'object' },
  map: {
    DEFAULT_MAP_CONCURRENCY: 'number',
    DEFAULT_MAP_MAX_ITEMS: 'number',
    MAX_MAP_CONCURRENCY: 'number',
    mapConfigSchema: 'object',
    mapNodeType: 'object',
    mapPlugin: 'object',
  },
  tool: {
    AjvToolRegistry: 'function',
    DEFAULT_HTTP_TIMEOUT_MS: 'number',
    DEFAULT_MAX_RESPONSE_BYTES: 'number',
    createHttpRequestTool: 'function',
    createToolPlugin: 'function',
    echoTool: 'object',
    parseRetryAfter: 'function',
    sleep: 'function',
    sleepTool: 'object',
    toolNodeType: 'object',
    toolPlugin: 'object',
  },
  wait: { waitConfigSchema: 'object', waitNodeType: 'object', waitPlugin: 'object' },
  workflow: { workflowConfigSchema: 'object', workflowNodeType: 'object', workflowPlugin: 'object' },
};

/** The node types a plugin adds, through the same registrar interface the kernel gives it. */
function nodeTypesOf(plugin: WeftPlugin): NodeTypeDefinition[] {
  const added: NodeTypeDefinition[] = [];
  const registrar: PluginRegistrar = {
    addNodeType: (def) => void added.push(def as NodeTypeDefinition),
    provide: () => undefined,
    contribute: () => undefined,
  };
  plugin.register(registrar);
  return added;
}

describe('built-in plugin package entries', () => {
  for (const [name, surface] of Object.entries(SURFACE)) {
    describe(`plugins/${name}`, () => {
      it('exports its public surface, each name with a value of the expected kind', () => {
        const e = entry(name);
        const names = Object.keys(e).filter((k) => k !== 'default');
        assert.deepEqual(names.sort(), Object.keys(surface).sort());
        for (const [k, kind] of Object.entries(surface)) assert.equal(typeof e[k], kind, `${name}: ${k}`);
      });

      it(`has its plugin as default, which registers the exported "${name}" node type with the exported config schema`, () => {
        const e = entry(name);
        const plugin = e.default as WeftPlugin;
        assert.equal(e[`${name}Plugin`], plugin);
        assert.equal(plugin.id, `weft.${name}`);
        const types = nodeTypesOf(plugin);
        assert.deepEqual(
          types.map((t) => t.type),
          [name],
        );
        assert.equal(types[0], e[`${name}NodeType`]);
        // (the tool plugin keeps its config schema to itself)
        if (`${name}ConfigSchema` in surface) assert.equal(types[0]!.configSchema, e[`${name}ConfigSchema`]);
      });
    });
  }
});
