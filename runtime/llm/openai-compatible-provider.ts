import { createParser, type EventSourceParser } from 'eventsource-parser';
import { CancelledError, ConfigurationError, ErrorCodes, NodeExecutionError, TransientError, WeftError } from '../../core/index';
import type { AgentProvider, ChatMessage, ChatRequest, ChatResponse } from '../../core/index';
import { apiErrorMessage, ChatStreamAccumulator, parseChatCompletion } from './chat-completion-parser';
import { parseRetryAfterMs } from './retry-after';

/** Settings of an {@link OpenAiCompatibleProvider}. */
export interface OpenAiCompatibleProviderOptions {
  /** The name agent nodes select with `provider` (default `openai`). */
  name?: string;
  /** API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set. Never logged nor put in errors. */
  apiKey?: string | null;
  /** Extra request headers (e.g. `OpenAI-Organization`). */
  headers?: Record<string, string>;
  /** Largest response accepted, in bytes (default 32 MiB): a runaway server cannot exhaust memory. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** How much of an error body goes into the error message. */
const ERROR_BODY_CHARS = 300;

/**
 * An {@link AgentProvider} for any OpenAI-compatible `POST {baseUrl}/chat/completions` endpoint
 * (OpenAI, vLLM, Ollama, LM Studio, ...), over Node's built-in fetch. Streams with SSE when the
 * request has `onToken`. 429, 5xx and network failures are `TransientError`s (with `retryAfterMs`
 * from `Retry-After`), other 4xx and malformed replies `NodeExecutionError`s, all with code `WF_AGENT`.
 */
export class OpenAiCompatibleProvider implements AgentProvider {
  readonly name: string;
  private readonly endpoint: string;
  private readonly apiKey: string | null;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(options: OpenAiCompatibleProviderOptions) {
    this.name = options.name ?? 'openai';
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ConfigurationError(`agent provider "${this.name}": base URL "${options.baseUrl}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(`agent provider "${this.name}": base URL must be http(s), got "${url.protocol}"`);
    }
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = options.apiKey ? options.apiKey : null;
    this.headers = { ...(options.headers ?? {}) };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const streaming = typeof request.onToken === 'function';
    const headers: Record<string, string> = {
      ...this.headers,
      'content-type': 'application/json',
      accept: streaming ? 'text/event-stream' : 'application/json',
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const signal = request.signal;
    if (signal?.aborted) throw this.abortError(signal);
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(this.requestBody(request, streaming)),
        signal,
      });
    } catch (err) {
      throw this.failure(err, signal, 'request failed');
    }
    try {
      if (!response.ok) throw await this.statusError(response);
      const type = response.headers.get('content-type') ?? '';
      // A server that ignores `stream` answers with one JSON body: accept it and emit its text once.
      if (streaming && type.includes('text/event-stream')) return await this.readStream(response, request.onToken!);
      const result = parseChatCompletion(this.parseJson(await this.readText(response)), this.name);
      if (streaming && result.text) request.onToken!(result.text);
      return result;
    } catch (err) {
      throw this.failure(err, signal, 'response failed');
    }
  }

  private requestBody(request: ChatRequest, streaming: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = { model: request.model, messages: request.messages.map(wireMessage) };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.responseFormat === 'json') body.response_format = { type: 'json_object' };
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
      }));
    }
    if (streaming) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return body;
  }

  private async statusError(response: Response): Promise<WeftError> {
    let detail = '';
    try {
      const text = await this.readText(response, 16 * 1024);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      detail = (apiErrorMessage(parsed) ?? text).replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS);
    } catch {
      detail = '';
    }
    const status = response.status;
    const message = this.redact(`${this.name} returned ${status}${detail ? `: ${detail}` : ''}`);
    const details = { status, provider: this.name };
    if (status === 429 || status >= 500) {
      return new TransientError(message, {
        code: ErrorCodes.WF_AGENT,
        details,
        retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')),
      });
    }
    return new NodeExecutionError(message, { code: ErrorCodes.WF_AGENT, details });
  }

  private async readStream(response: Response, onToken: (text: string) => void): Promise<ChatResponse> {
    const acc = new ChatStreamAccumulator(this.name);
    const events: string[] = [];
    let overflow = false;
    const parser = createParser({
      onEvent: (e) => events.push(e.data),
      onError: (e) => {
        if (e.type === 'max-buffer-size-exceeded') overflow = true;
      },
      maxBufferSize: this.maxResponseBytes,
    });
    const reader = response.body!.getReader();
    try {
      return await this.consumeStream(reader, parser, events, acc, onToken, () => overflow);
    } finally {
      // Release the connection whether we finished, failed or stopped early.
      await reader.cancel().catch(() => undefined);
    }
  }

  private async consumeStream(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    parser: EventSourceParser,
    events: string[],
    acc: ChatStreamAccumulator,
    onToken: (text: string) => void,
    overflowed: () => boolean,
  ): Promise<ChatResponse> {
    const decoder = new TextDecoder();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      bytes += value?.byteLength ?? 0;
      if (bytes > this.maxResponseBytes || overflowed()) throw this.tooLarge();
      if (text) parser.feed(text);
      if (done) parser.reset({ consume: true });
      // Events are handled outside the parser callback so a throw never leaves it half-fed.
      for (const data of events.splice(0)) {
        if (acc.done) break;
        const delta = acc.push(data);
        if (delta) onToken(delta);
      }
      if (acc.done || done) break;
    }
    if (!acc.complete)
      throw new TransientError(`${this.name} stream ended before the response was complete`, { code: ErrorCodes.WF_AGENT });
    return acc.result();
  }

  private async readText(response: Response, limit = this.maxResponseBytes): Promise<string> {
    if (!response.body) return '';
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let out = '';
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return out + decoder.decode();
        bytes += value.byteLength;
        if (bytes > limit) {
          if (limit === this.maxResponseBytes) throw this.tooLarge();
          return out;
        }
        out += decoder.decode(value, { stream: true });
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private parseJson(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new NodeExecutionError(
        `${this.name} returned a malformed response: the body is not JSON (${JSON.stringify(text.slice(0, 80))})`,
        {
          code: ErrorCodes.WF_AGENT,
        },
      );
    }
  }

  private tooLarge(): NodeExecutionError {
    return new NodeExecutionError(`${this.name} response exceeds ${this.maxResponseBytes} bytes`, { code: ErrorCodes.WF_AGENT });
  }

  /** Maps anything thrown while talking to the server onto weft's errors; the key never leaks. */
  private failure(err: unknown, signal: AbortSignal | undefined, phase: string): Error {
    if (signal?.aborted) return this.abortError(signal);
    if (err instanceof WeftError) return err;
    const e = err as { message?: string; cause?: { code?: string; message?: string } };
    const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
    return new TransientError(this.redact(`${this.name} ${phase}: ${why}`), { code: ErrorCodes.WF_AGENT });
  }

  private abortError(signal: AbortSignal): Error {
    // The executor aborts with the real reason (TimeoutError, CancelledError): keep it.
    if (signal.reason instanceof WeftError) return signal.reason;
    return new CancelledError(`${this.name} request aborted`);
  }

  private redact(text: string): string {
    return this.apiKey ? text.split(this.apiKey).join('[redacted]') : text;
  }
}

/** Drops absent optional fields so strict servers do not see `"tool_calls": undefined` as null. */
function wireMessage(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.tool_calls && m.tool_calls.length > 0) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.name !== undefined) out.name = m.name;
  return out;
}
