import { defineNodeType, ErrorCodes, Tokens, type ToolRegistry, type ValidationIssue } from '../../core';
import { AjvToolRegistry } from './tool-registry';
import { pointerToPath } from './schema-issues';

/** Config of a `tool` node. */
export interface ToolNodeConfig {
  /** Registry name (`http.request`, `core.echo`, ...). */
  tool: string;
  /** The tool's input; `{{ }}` templates are rendered before the call. Default `{}`. */
  input?: unknown;
}

/**
 * The `tool` node type: calls a registered tool with the rendered `input`. Its output is the
 * tool's result, validated against the tool's output schema.
 */
export const toolNodeType = defineNodeType<ToolNodeConfig, { tools: ToolRegistry }>({
  type: 'tool',
  description: 'Calls a tool from the tool registry.',
  configSchema: {
    type: 'object',
    properties: {
      tool: { type: 'string', minLength: 1, maxLength: 200 },
      input: {},
    },
    required: ['tool'],
    additionalProperties: false,
  },
  templateFields: ['input'],
  deps: { tools: Tokens.ToolRegistry },
  create: ({ tools }) => ({
    validate(config) {
      if (!config || typeof config.tool !== 'string') return [];
      if (!tools.has(config.tool)) {
        return [{ path: 'config.tool', message: `unknown tool "${config.tool}"`, code: ErrorCodes.WF_UNKNOWN_TOOL }];
      }
      return checkStaticInput(tools, config);
    },
    execute: (config, ctx) => tools.invoke(config.tool, config.input ?? {}, ctx),
  }),
});

/**
 * An input without any `{{` is what the tool will receive, so it can be checked against the
 * tool's schema when the workflow is saved instead of failing at run time.
 */
function checkStaticInput(tools: ToolRegistry, config: ToolNodeConfig): ValidationIssue[] {
  if (!(tools instanceof AjvToolRegistry) || hasTemplate(config.input)) return [];
  return tools.checkInput(config.tool, config.input ?? {}).map((issue) => ({
    path: `config.input${pointerToPath(issue.pointer)}`,
    message: `tool "${config.tool}" input: ${issue.pointer} ${issue.message}`,
    code: ErrorCodes.WF_TOOL_INPUT,
  }));
}

function hasTemplate(value: unknown): boolean {
  // Iterative: workflow configs can be deep, and validation must not overflow the stack.
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('{{')) return true;
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('{{')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
