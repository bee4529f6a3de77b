import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  ConfigurationError,
  ErrorCodes,
  NodeExecutionError,
  ValidationError,
  WeftError,
  type NodeRunContext,
  type ToolDefinition,
  type ToolRegistry,
} from '../../core';
import { formatSchemaIssues, toSchemaIssues, type SchemaIssue } from './schema-issues';

/** Registry names: dotted segments (`http.request`, `acme.crm.lookup`). */
const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const MAX_NAME_LENGTH = 128;

interface CompiledTool {
  tool: ToolDefinition;
  checkInput: ValidateFunction;
  checkOutput: ValidateFunction;
}

/**
 * The {@link ToolRegistry} behind `Tokens.ToolRegistry`: every tool's input and output JSON
 * Schemas are compiled once, with ajv in strict mode, when the tool is registered, so a broken
 * schema fails at startup rather than on the first call.
 */
export class AjvToolRegistry implements ToolRegistry {
  private readonly tools = new Map<string, CompiledTool>();
  // One ajv instance per registry (not per process): no state is shared between kernels.
  private readonly ajv: Ajv;

  constructor(tools: Iterable<ToolDefinition> = []) {
    // strict: unknown keywords, ambiguous types and the like are schema errors, not silent no-ops.
    this.ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(this.ajv);
    for (const tool of tools) this.register(tool);
  }

  /** Adds a tool; fails with a `ConfigurationError` on a bad shape, a duplicate name or a schema ajv rejects. */
  register(tool: ToolDefinition): void {
    assertToolShape(tool);
    const existing = this.tools.get(tool.name);
    if (existing) {
      throw new ConfigurationError(
        `tool "${tool.name}" is registered twice: first ${describeTool(existing.tool)}, then ${describeTool(tool)}; tool names must be unique across plugins`,
        { code: ErrorCodes.WF_PLUGIN },
      );
    }
    this.tools.set(tool.name, {
      tool,
      checkInput: this.compile(tool, 'input', tool.inputSchema),
      checkOutput: this.compile(tool, 'output', tool.outputSchema),
    });
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The tool called `name`; a `ValidationError` (`WF_UNKNOWN_TOOL`) when there is none. */
  get(name: string): ToolDefinition {
    return this.lookup(name).tool;
  }

  list(): ToolDefinition[] {
    return [...this.tools.values()].map((c) => c.tool);
  }

  /** Problems of `input` against the tool's input schema (empty when valid), for validation before a run. */
  checkInput(name: string, input: unknown): SchemaIssue[] {
    const { checkInput } = this.lookup(name);
    return checkInput(input) ? [] : toSchemaIssues(checkInput.errors);
  }

  /** Validates `input`, runs the tool with `ctx`, validates what it returned. */
  async invoke(name: string, input: unknown, ctx: NodeRunContext): Promise<unknown> {
    const { tool, checkInput, checkOutput } = this.lookup(name);
    if (!checkInput(input)) {
      const issues = toSchemaIssues(checkInput.errors);
      throw new NodeExecutionError(`tool "${name}" input: ${formatSchemaIssues(issues)}`, {
        code: ErrorCodes.WF_TOOL_INPUT,
        details: issues,
      });
    }
    // A cancelled attempt must not start side effects.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    let raw: unknown;
    try {
      raw = await tool.execute(input, ctx);
    } catch (err) {
      // Weft errors carry the retry classification; the signal's reason is the executor's own.
      if (err instanceof WeftError || (ctx.signal.aborted && err === ctx.signal.reason)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new NodeExecutionError(`tool "${name}" failed: ${message}`, { code: ErrorCodes.WF_NODE_FAILED, cause: err });
    }
    // `undefined` cannot be persisted as JSON; a tool that returns nothing produced null.
    const output = raw === undefined ? null : raw;
    if (!checkOutput(output)) {
      const issues = toSchemaIssues(checkOutput.errors);
      throw new NodeExecutionError(`tool "${name}" output: ${formatSchemaIssues(issues)}`, {
        code: ErrorCodes.WF_TOOL_OUTPUT,
        details: issues,
      });
    }
    return output;
  }

  private lookup(name: string): CompiledTool {
    const found = typeof name === 'string' ? this.tools.get(name) : undefined;
    if (!found) {
      const known = [...this.tools.keys()].sort();
      const hint = known.length ? ` (known tools: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''})` : '';
      throw new ValidationError(`unknown tool ${JSON.stringify(name)}${hint}`, { code: ErrorCodes.WF_UNKNOWN_TOOL });
    }
    return found;
  }

  private compile(tool: ToolDefinition, which: 'input' | 'output', schema: object): ValidateFunction {
    try {
      return this.ajv.compile(schema);
    } catch (err) {
      throw new ConfigurationError(`tool "${tool.name}" has an invalid ${which} schema: ${(err as Error).message}`, {
        code: ErrorCodes.WF_PLUGIN,
        cause: err,
      });
    }
  }
}

function assertToolShape(tool: ToolDefinition): void {
  const t = tool as Partial<ToolDefinition> | null;
  const problems: string[] = [];
  if (!t || typeof t !== 'object') problems.push('a tool must be an object');
  else {
    if (typeof t.name !== 'string' || t.name.length > MAX_NAME_LENGTH || !TOOL_NAME.test(t.name))
      problems.push('"name" must be a dotted name such as "acme.lookup"');
    if (typeof t.execute !== 'function') problems.push('"execute" must be a function');
    if (!isSchema(t.inputSchema)) problems.push('"inputSchema" must be a JSON Schema object');
    if (!isSchema(t.outputSchema)) problems.push('"outputSchema" must be a JSON Schema object');
  }
  if (problems.length) {
    const name = typeof t?.name === 'string' ? `"${t.name}"` : '(unnamed)';
    throw new ConfigurationError(`tool ${name} is invalid: ${problems.join('; ')}`, { code: ErrorCodes.WF_PLUGIN, details: problems });
  }
}

function isSchema(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeTool(tool: ToolDefinition): string {
  return tool.description ? `"${tool.description}"` : '(no description)';
}
