import { ConfigurationError, createToken, ErrorCodes, NodeExecutionError } from '../../core';
import type { AgentProvider, ChatMessage, ChatUsage, NodeRunContext, ToolRegistry } from '../../core';
import { AgentToolSet, type AgentToolCallRecord } from './agent-tools';

/** One agent run: the conversation so far and how to continue it. */
export interface AgentRunRequest {
  provider: string;
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  responseFormat?: 'text' | 'json';
  /** Registry names of the tools the model may call. */
  tools?: readonly string[];
  /** Most model calls (each tool-calling round is one). */
  maxSteps: number;
  /** Streams text deltas when given. */
  onToken?: (text: string) => void;
}

export interface AgentRunResult {
  /** The text of the final model reply. */
  text: string;
  /** Summed over every step. */
  usage: ChatUsage;
  toolCalls: AgentToolCallRecord[];
  /** Model calls made. */
  steps: number;
  finishReason?: string;
}

/**
 * Knows the agent providers (every `ExtensionPoints.AgentProviders` contribution, by name) and
 * runs the tool-calling loop: call the model; when it asks for tools, run them through the
 * {@link ToolRegistry}, append the results as `tool` messages and call it again, at most
 * `maxSteps` times.
 */
export class AgentManager {
  private readonly providers = new Map<string, AgentProvider>();

  constructor(
    providers: readonly AgentProvider[],
    private readonly tools: ToolRegistry,
  ) {
    for (const p of providers) {
      if (!p || typeof p.name !== 'string' || p.name === '' || typeof p.chat !== 'function') {
        throw new ConfigurationError('an agent provider must have a non-empty "name" and a "chat" function', {
          code: ErrorCodes.WF_PLUGIN,
        });
      }
      if (this.providers.has(p.name)) {
        throw new ConfigurationError(`agent provider "${p.name}" is registered twice`, { code: ErrorCodes.WF_PLUGIN });
      }
      this.providers.set(p.name, p);
    }
  }

  /** Names of the registered providers, sorted. */
  names(): string[] {
    return [...this.providers.keys()].sort();
  }

  has(name: string): boolean {
    return this.providers.has(name);
  }

  /** The provider called `name`; a `NodeExecutionError` (`WF_AGENT`) naming the known ones otherwise. */
  get(name: string): AgentProvider {
    const p = this.providers.get(name);
    if (!p) throw new NodeExecutionError(this.unknownProviderMessage(name), { code: ErrorCodes.WF_AGENT });
    return p;
  }

  unknownProviderMessage(name: string): string {
    const known = this.names();
    return `unknown agent provider "${name}" (${known.length ? `available: ${known.join(', ')}` : 'no agent provider is configured'})`;
  }

  /** Whether `name` is a tool the registry knows (for config validation). */
  hasTool(name: string): boolean {
    return this.tools.has(name);
  }

  /**
   * Runs the conversation to a reply without tool calls. Tool calls run one after another, in
   * the order the model listed them (tools may have side effects that depend on order).
   * Exceeding `maxSteps` is a `NodeExecutionError` with code `WF_AGENT_MAX_STEPS`.
   */
  async run(request: AgentRunRequest, ctx: NodeRunContext): Promise<AgentRunResult> {
    const provider = this.get(request.provider);
    const toolSet = new AgentToolSet(request.tools ?? [], this.tools);
    const specs = toolSet.size > 0 ? toolSet.specs() : undefined;
    const messages = [...request.messages];
    const usage: ChatUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    const toolCalls: AgentToolCallRecord[] = [];
    for (let step = 1; step <= request.maxSteps; step++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const reply = await provider.chat({
        model: request.model,
        messages,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        responseFormat: request.responseFormat,
        tools: specs,
        onToken: request.onToken,
        signal: ctx.signal,
      });
      usage.promptTokens += reply.usage.promptTokens;
      usage.completionTokens += reply.usage.completionTokens;
      usage.totalTokens += reply.usage.totalTokens;
      if (reply.toolCalls.length === 0) {
        const result: AgentRunResult = { text: reply.text, usage, toolCalls, steps: step };
        if (reply.finishReason !== undefined) result.finishReason = reply.finishReason;
        return result;
      }
      messages.push({ role: 'assistant', content: reply.text === '' ? null : reply.text, tool_calls: reply.toolCalls });
      for (const call of reply.toolCalls) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const { record, content } = await toolSet.call(call, ctx);
        toolCalls.push(record);
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    throw new NodeExecutionError(
      `agent node "${ctx.nodeId}" reached maxSteps (${request.maxSteps}) while the model was still calling tools`,
      { code: ErrorCodes.WF_AGENT_MAX_STEPS, details: { maxSteps: request.maxSteps, usage, toolCalls } },
    );
  }
}

/** DI token of the agent plugin's {@link AgentManager}. */
export const AgentManagerToken = createToken<AgentManager>('agent.manager');
