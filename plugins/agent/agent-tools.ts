import { ErrorCodes, serializeError } from '../../core';
import type { ChatToolCall, ChatToolSpec, NodeRunContext, ToolDefinition, ToolRegistry } from '../../core';

/** One tool call the model made, as the agent node's output lists it. */
export interface AgentToolCallRecord {
  /** Registry name of the tool (the name the model used when it is not one of the node's tools). */
  name: string;
  /** The parsed arguments (the raw text when they were not valid JSON). */
  arguments: unknown;
  result?: unknown;
  error?: { type: string; code: string; message: string };
}

interface BoundTool {
  tool: ToolDefinition;
  /** The name the model sees: OpenAI only accepts `^[a-zA-Z0-9_-]{1,64}$`, so `http.request` is sent as `http_request`. */
  wireName: string;
  /** The tool's input schema is not an object schema, so it travels as the `input` property of one. */
  wrapped: boolean;
}

/**
 * The tools one agent node offers its model: registry tools under wire-safe names, with their
 * input schemas as function parameters (function parameters must be an object schema, so other
 * schemas are wrapped as `{ input: <schema> }` and unwrapped before the call).
 */
export class AgentToolSet {
  private readonly byWire = new Map<string, BoundTool>();

  constructor(
    names: readonly string[],
    private readonly registry: ToolRegistry,
  ) {
    for (const name of names) {
      const tool = registry.get(name);
      const wireName = uniqueWireName(name, this.byWire);
      this.byWire.set(wireName, { tool, wireName, wrapped: !isObjectSchema(tool.inputSchema) });
    }
  }

  get size(): number {
    return this.byWire.size;
  }

  /** The `tools` of a chat request. */
  specs(): ChatToolSpec[] {
    return [...this.byWire.values()].map(({ tool, wireName, wrapped }) => ({
      name: wireName,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: wrapped
        ? { type: 'object', properties: { input: tool.inputSchema }, required: ['input'], additionalProperties: false }
        : tool.inputSchema,
    }));
  }

  /**
   * Runs one tool call and returns its record and the `tool` message content for the model.
   * Problems the model can fix (unknown tool, arguments that are not JSON, input the schema
   * rejects, a tool that fails) go back to the model as the tool result rather than failing
   * the node; only an abort (cancellation, timeout) propagates.
   */
  async call(call: ChatToolCall, ctx: NodeRunContext): Promise<{ record: AgentToolCallRecord; content: string }> {
    const bound = this.byWire.get(call.function.name);
    const name = bound ? bound.tool.name : call.function.name;
    let args: unknown;
    try {
      args = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
    } catch (err) {
      return failure(name, call.function.arguments, {
        type: 'NodeExecutionError',
        code: ErrorCodes.WF_TOOL_INPUT,
        message: `the arguments of tool "${call.function.name}" are not valid JSON: ${(err as Error).message}`,
      });
    }
    if (!bound) {
      const offered = [...this.byWire.keys()];
      return failure(name, args, {
        type: 'NodeExecutionError',
        code: ErrorCodes.WF_UNKNOWN_TOOL,
        message: `tool "${call.function.name}" is not available${offered.length ? `; available tools: ${offered.join(', ')}` : ''}`,
      });
    }
    const input = bound.wrapped && isPlainObject(args) ? args.input : args;
    try {
      const result = await this.registry.invoke(bound.tool.name, input, ctx);
      return { record: { name, arguments: args, result }, content: JSON.stringify(result) ?? 'null' };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const { type, code, message } = serializeError(err, false);
      return failure(name, args, { type, code, message });
    }
  }
}

function failure(name: string, args: unknown, error: NonNullable<AgentToolCallRecord['error']>) {
  return {
    record: { name, arguments: args, error },
    content: JSON.stringify({ error: { type: error.type, code: error.code, message: error.message } }),
  };
}

function uniqueWireName(name: string, taken: ReadonlyMap<string, unknown>): string {
  const base = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 60) || 'tool';
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
  return candidate;
}

function isObjectSchema(schema: unknown): boolean {
  return isPlainObject(schema) && schema.type === 'object';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
