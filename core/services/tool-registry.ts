import type { NodeRunContext } from '../plugin/node-type';

/** A tool callable from `tool` nodes and agents. Schemas are JSON Schema (validated with ajv). */
export interface ToolDefinition<I = any, O = any> {
  /** Dotted registry name, e.g. `http.request`. */
  name: string;
  description?: string;
  inputSchema: object;
  outputSchema: object;
  execute(input: I, ctx: NodeRunContext): Promise<O>;
}

export interface ToolRegistry {
  register(tool: ToolDefinition): void;
  has(name: string): boolean;
  get(name: string): ToolDefinition;
  list(): ToolDefinition[];
  /** Validates input, runs the tool, validates output. */
  invoke(name: string, input: unknown, ctx: NodeRunContext): Promise<unknown>;
}
