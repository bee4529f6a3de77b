import type { ToolDefinition } from '../../core';

/** `core.echo`: returns its input unchanged (any JSON value). Handy for constants and reshaping with templates. */
export const echoTool: ToolDefinition<unknown, unknown> = {
  name: 'core.echo',
  description: 'Returns its input unchanged.',
  inputSchema: {},
  outputSchema: {},
  async execute(input) {
    return input;
  },
};
