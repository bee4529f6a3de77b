import { defineNodeType, ErrorCodes, NodeExecutionError } from '../../core';
import type { ChatMessage, ChatUsage, NodeRunContext, ValidationIssue } from '../../core';
import { AGENT_DEFAULTS, agentConfigSchema, type AgentNodeConfig } from './agent-config.schema';
import { AgentManagerToken, type AgentManager } from './agent-manager';
import { parseAgentJson } from './agent-json';
import type { AgentToolCallRecord } from './agent-tools';

/** What an `agent` node outputs. */
export interface AgentNodeOutput {
  text: string;
  /** The parsed reply (`responseFormat: "json"` only). */
  json?: unknown;
  /** Token usage summed over every model call of the attempt. */
  usage: ChatUsage;
  /** The tools the model called, in order (only when it called any). */
  toolCalls?: AgentToolCallRecord[];
}

/**
 * The `agent` node type: sends `system` + `prompt` (both templated) to an agent provider, runs
 * the tool-calling loop through the {@link AgentManager}, streams text deltas as `token` events
 * (`stream`, default true) and, with `responseFormat: "json"`, parses the reply (invalid JSON is
 * a retryable `TransientError` `WF_AGENT_BAD_JSON`).
 */
export const agentNodeType = defineNodeType<AgentNodeConfig, { agents: AgentManager }>({
  type: 'agent',
  description: 'Calls an LLM (OpenAI-compatible chat completions), optionally with tools.',
  configSchema: agentConfigSchema,
  outputs: 'single',
  templateFields: ['system', 'prompt'],
  deps: { agents: AgentManagerToken },
  create: ({ agents }) => ({
    validate(config: AgentNodeConfig): ValidationIssue[] {
      const issues: ValidationIssue[] = [];
      const provider = config.provider ?? AGENT_DEFAULTS.provider;
      if (!agents.has(provider)) {
        issues.push({ path: 'config.provider', message: agents.unknownProviderMessage(provider), code: ErrorCodes.WF_AGENT });
      }
      (config.tools ?? []).forEach((name, i) => {
        if (typeof name === 'string' && !agents.hasTool(name)) {
          issues.push({ path: `config.tools[${i}]`, message: `unknown tool "${name}"`, code: ErrorCodes.WF_UNKNOWN_TOOL });
        }
      });
      return issues;
    },

    async execute(config: AgentNodeConfig, ctx: NodeRunContext): Promise<AgentNodeOutput> {
      const prompt = asText(config.prompt);
      if (prompt.trim() === '') {
        throw new NodeExecutionError(`agent node "${ctx.nodeId}": "prompt" rendered to an empty text`, { code: ErrorCodes.WF_AGENT });
      }
      const messages: ChatMessage[] = [];
      const system = config.system === undefined ? '' : asText(config.system);
      if (system.trim() !== '') messages.push({ role: 'system', content: system });
      messages.push({ role: 'user', content: prompt });
      const responseFormat = config.responseFormat ?? AGENT_DEFAULTS.responseFormat;
      const stream = config.stream ?? AGENT_DEFAULTS.stream;
      const result = await agents.run(
        {
          provider: config.provider ?? AGENT_DEFAULTS.provider,
          model: config.model,
          messages,
          temperature: config.temperature,
          maxTokens: config.maxTokens,
          responseFormat,
          tools: config.tools,
          maxSteps: config.maxSteps ?? AGENT_DEFAULTS.maxSteps,
          onToken: stream ? (text) => ctx.emitToken(text) : undefined,
        },
        ctx,
      );
      // Built in the documented key order: { text, json?, usage, toolCalls? }.
      const output = { text: result.text } as AgentNodeOutput;
      if (responseFormat === 'json') output.json = parseAgentJson(result.text, ctx.nodeId);
      output.usage = result.usage;
      if (result.toolCalls.length > 0) output.toolCalls = result.toolCalls;
      return output;
    },
  }),
});

/** A template that is exactly one `{{ }}` keeps its value's type: send non-text values as JSON. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value) ?? String(value);
}
