import { ErrorCodes, NodeExecutionError, TransientError } from '../../core/index';
import type { ChatResponse, ChatToolCall, ChatUsage } from '../../core/index';

/**
 * Turns OpenAI-compatible chat-completion payloads (one JSON body, or the chunks of a stream)
 * into a {@link ChatResponse}. Servers differ in small ways (vLLM, Ollama, LM Studio): missing
 * `usage`, missing tool-call ids, `arguments` sent as an object. Those are tolerated; anything
 * that leaves us unable to say what the model answered is a `NodeExecutionError`.
 */

type Json = Record<string, unknown>;

const ZERO_USAGE: ChatUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(provider: string, what: string): NodeExecutionError {
  return new NodeExecutionError(`${provider} returned a malformed response: ${what}`, { code: ErrorCodes.WF_AGENT });
}

/** Reads OpenAI's `usage` (snake_case); absent or partial usage counts as zeros. */
export function parseUsage(raw: unknown): ChatUsage {
  if (!isObject(raw)) return { ...ZERO_USAGE };
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const promptTokens = n(raw.prompt_tokens);
  const completionTokens = n(raw.completion_tokens);
  const total = n(raw.total_tokens);
  return { promptTokens, completionTokens, totalTokens: total || promptTokens + completionTokens };
}

/** The error text an API put in its body (`{ error: { message } }` or `{ error: "..." }`), if any. */
export function apiErrorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const e = body.error;
  if (typeof e === 'string') return e;
  if (isObject(e) && typeof e.message === 'string') return e.message;
  return undefined;
}

function argumentsText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (raw === undefined || raw === null) return '';
  // Some servers send the arguments already parsed; the agent expects the wire form.
  return JSON.stringify(raw);
}

/** Parses the body of a non-streamed `chat/completions` response. */
export function parseChatCompletion(body: unknown, provider: string): ChatResponse {
  if (!isObject(body)) throw malformed(provider, 'the body is not a JSON object');
  const apiError = apiErrorMessage(body);
  if (apiError !== undefined)
    throw new NodeExecutionError(`${provider} returned an error: ${apiError.slice(0, 300)}`, { code: ErrorCodes.WF_AGENT });
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw malformed(provider, '"choices" is missing or empty');
  const choice = choices[0];
  if (!isObject(choice) || !isObject(choice.message)) throw malformed(provider, '"choices[0].message" is missing');
  const message = choice.message;
  if (message.content !== undefined && message.content !== null && typeof message.content !== 'string') {
    throw malformed(provider, '"choices[0].message.content" is not a string');
  }
  const toolCalls: ChatToolCall[] = [];
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls)) throw malformed(provider, '"choices[0].message.tool_calls" is not an array');
    message.tool_calls.forEach((tc, i) => {
      const fn = isObject(tc) ? tc.function : undefined;
      if (!isObject(tc) || !isObject(fn) || typeof fn.name !== 'string' || fn.name === '') {
        throw malformed(provider, `"choices[0].message.tool_calls[${i}]" has no function name`);
      }
      const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : `call_${i}`;
      toolCalls.push({ id, type: 'function', function: { name: fn.name, arguments: argumentsText(fn.arguments) } });
    });
  }
  const out: ChatResponse = { text: message.content ?? '', toolCalls, usage: parseUsage(body.usage) };
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  return out;
}

interface PartialToolCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Accumulates streamed chunks: text deltas, tool-call deltas merged by `index` (name and id
 * arrive in the first delta of a call, `arguments` in pieces), the finish reason, and the usage
 * that `stream_options.include_usage` puts in the final chunk.
 */
export class ChatStreamAccumulator {
  private text = '';
  private readonly calls = new Map<number, PartialToolCall>();
  private usage: ChatUsage = { ...ZERO_USAGE };
  private finishReason: string | undefined;
  /** True once `[DONE]` arrived. */
  done = false;

  constructor(private readonly provider: string) {}

  /** Feeds one SSE `data` payload; returns the text delta it carried (possibly empty). */
  push(data: string): string {
    if (data.trim() === '[DONE]') {
      this.done = true;
      return '';
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw malformed(this.provider, `a stream chunk is not JSON: ${JSON.stringify(data.slice(0, 80))}`);
    }
    if (!isObject(chunk)) throw malformed(this.provider, 'a stream chunk is not a JSON object');
    const apiError = apiErrorMessage(chunk);
    // An error event mid-stream is the server giving up (overload, restart): worth a retry.
    if (apiError !== undefined)
      throw new TransientError(`${this.provider} reported an error mid-stream: ${apiError.slice(0, 300)}`, { code: ErrorCodes.WF_AGENT });
    if (isObject(chunk.usage)) this.usage = parseUsage(chunk.usage);
    const choices = chunk.choices;
    if (choices === undefined || choices === null) return '';
    if (!Array.isArray(choices)) throw malformed(this.provider, 'a stream chunk\'s "choices" is not an array');
    let delta = '';
    for (const choice of choices) {
      if (!isObject(choice)) throw malformed(this.provider, 'a stream chunk has a choice that is not an object');
      // Only the first choice is used (weft never asks for n > 1).
      if (typeof choice.index === 'number' && choice.index !== 0) continue;
      if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
      const d = choice.delta;
      if (d === undefined || d === null) continue;
      if (!isObject(d)) throw malformed(this.provider, 'a stream chunk\'s "delta" is not an object');
      if (typeof d.content === 'string') delta += d.content;
      else if (d.content !== undefined && d.content !== null)
        throw malformed(this.provider, 'a stream chunk\'s "delta.content" is not a string');
      if (d.tool_calls !== undefined && d.tool_calls !== null) this.pushToolCalls(d.tool_calls);
    }
    this.text += delta;
    return delta;
  }

  private pushToolCalls(raw: unknown): void {
    if (!Array.isArray(raw)) throw malformed(this.provider, 'a stream chunk\'s "delta.tool_calls" is not an array');
    raw.forEach((tc, position) => {
      if (!isObject(tc)) throw malformed(this.provider, 'a streamed tool call is not an object');
      let index = typeof tc.index === 'number' && Number.isInteger(tc.index) && tc.index >= 0 ? tc.index : position;
      const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : undefined;
      let entry = this.calls.get(index);
      // A server that omits `index` but sends whole calls: a new id means a new call.
      if (entry && id && entry.id && entry.id !== id && typeof tc.index !== 'number') {
        index = Math.max(...this.calls.keys()) + 1;
        entry = undefined;
      }
      if (!entry) {
        entry = { id: '', name: '', args: '' };
        this.calls.set(index, entry);
      }
      if (id && !entry.id) entry.id = id;
      const fn = isObject(tc.function) ? tc.function : {};
      if (typeof fn.name === 'string' && fn.name !== '' && fn.name !== entry.name) entry.name += fn.name;
      entry.args += argumentsText(fn.arguments);
    });
  }

  /** Whether the stream reached an end we can trust (`[DONE]` or a finish reason). */
  get complete(): boolean {
    return this.done || this.finishReason !== undefined;
  }

  result(): ChatResponse {
    const toolCalls: ChatToolCall[] = [];
    for (const [index, c] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      if (!c.name) throw malformed(this.provider, `streamed tool call #${index} has no function name`);
      toolCalls.push({ id: c.id || `call_${index}`, type: 'function', function: { name: c.name, arguments: c.args } });
    }
    const out: ChatResponse = { text: this.text, toolCalls, usage: this.usage };
    if (this.finishReason !== undefined) out.finishReason = this.finishReason;
    return out;
  }
}
