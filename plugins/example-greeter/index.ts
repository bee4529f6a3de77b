/**
 * An example third-party weft plugin, written as a user's npm package would be: it imports only
 * weft's public core API (a published plugin imports `weft/core` instead of `../../core`).
 *
 * It adds a `greet` node type and contributes a `greeter.shout` tool to the tool registry.
 */
import { definePlugin, defineNodeType, ExtensionPoints, NodeExecutionError, type ToolDefinition } from '../../core';

/** Config of a `greet` node: `name` may be a `{{ }}` template. */
export interface GreetConfig {
  name: string;
  greeting?: string;
}

const greetNodeType = defineNodeType<GreetConfig>({
  type: 'greet',
  description: 'Greets someone: { message: "Hello, <name>!" }.',
  configSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 1000 },
      greeting: { type: 'string', minLength: 1, maxLength: 100 },
    },
    required: ['name'],
    additionalProperties: false,
  },
  templateFields: ['name'],
  create: () => ({
    async execute(config) {
      // A whole-string template keeps its value's type, so a rendered name may be a number.
      const { name } = config;
      if (typeof name !== 'string' && typeof name !== 'number') {
        throw new NodeExecutionError(`greet: "name" must render to a string, got ${name === null ? 'null' : typeof name}`);
      }
      return { message: `${config.greeting ?? 'Hello'}, ${name}!` };
    },
  }),
});

const shoutTool: ToolDefinition<{ text: string }, { text: string }> = {
  name: 'greeter.shout',
  description: 'Uppercases { text }.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', maxLength: 100_000 } },
    required: ['text'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
    additionalProperties: false,
  },
  async execute({ text }) {
    return { text: text.toUpperCase() };
  },
};

export default definePlugin({
  id: 'example.greeter',
  version: '1.0.0',
  // The tool registry belongs to weft.tool: without it there is nowhere to contribute the tool.
  dependsOn: ['weft.tool'],
  register(reg) {
    reg.addNodeType(greetNodeType);
    reg.contribute(ExtensionPoints.Tools, shoutTool);
  },
});
