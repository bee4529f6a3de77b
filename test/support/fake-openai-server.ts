import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (the raw text when it was not JSON). */
  body: any;
}

/** What the server answers to one request. */
export type FakeReply =
  /** A JSON body (default status 200). */
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  /**
   * An SSE stream: each event is written as `data: <JSON or the string as is>\n\n`.
   * `fragment` re-slices the whole stream into writes of that many bytes (hostile chunking);
   * `done: false` leaves out the final `data: [DONE]`; `cut` ends the socket abruptly instead.
   */
  | { kind: 'sse'; events: unknown[]; done?: boolean; fragment?: number; cut?: boolean; headers?: Record<string, string> }
  /** Any status, body and headers as given. */
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /** Sends the headers of a stream, then never answers further (abort tests). */
  | { kind: 'hang' }
  /** Destroys the socket without answering (network error). */
  | { kind: 'destroy' };

export type FakeReplyScript = FakeReply | ((req: RecordedRequest) => FakeReply);

/** A local server speaking the OpenAI chat-completions protocol, scripted per request. */
export interface FakeOpenAiServer {
  /** Base URL to configure (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queues replies, used one per request in order; with none left the server answers 599 "no scripted reply". */
  enqueue(...replies: FakeReplyScript[]): void;
  close(): Promise<void>;
}

/** Starts the fake server on 127.0.0.1, port 0. */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReplyScript[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return send(res, { kind: 'json', status: 404, body: { error: { message: `no route ${req.method} ${req.url}` } } });
      }
      const script = queue.shift();
      if (!script) return send(res, { kind: 'json', status: 599, body: { error: { message: 'no scripted reply' } } });
      send(res, typeof script === 'function' ? script(recorded) : script);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: FakeReply): void {
  switch (reply.kind) {
    case 'json':
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(JSON.stringify(reply.body));
      return;
    case 'raw':
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body);
      return;
    case 'hang':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      return;
    case 'destroy':
      res.socket?.destroy();
      return;
    case 'sse': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...(reply.headers ?? {}) });
      const parts = reply.events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
      if (reply.done !== false && !reply.cut) parts.push('data: [DONE]\n\n');
      const all = parts.join('');
      const writes = reply.fragment ? slice(all, reply.fragment) : parts;
      for (const w of writes) res.write(w);
      if (reply.cut) res.socket?.destroy();
      else res.end();
      return;
    }
  }
}

function slice(text: string, size: number): Buffer[] {
  const buf = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  // Byte slices may split a multi-byte character: the client's decoder must cope.
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

// ---- builders of protocol payloads ----

export interface UsageIn {
  prompt: number;
  completion: number;
}

function usageJson(u?: UsageIn) {
  return u ? { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion } : undefined;
}

/** A tool call as the model sends it. */
export interface ToolCallIn {
  id: string;
  name: string;
  arguments: string;
}

/** A non-streamed completion reply. */
export function completion(opts: { text?: string | null; toolCalls?: ToolCallIn[]; usage?: UsageIn; finishReason?: string }): FakeReply {
  const message: Record<string, unknown> = { role: 'assistant', content: opts.text ?? null };
  if (opts.toolCalls) {
    message.tool_calls = opts.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  return {
    kind: 'json',
    body: {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      model: 'test-model',
      choices: [{ index: 0, message, finish_reason: opts.finishReason ?? (opts.toolCalls ? 'tool_calls' : 'stop') }],
      ...(opts.usage ? { usage: usageJson(opts.usage) } : {}),
    },
  };
}

function chunk(delta: Record<string, unknown>, finishReason: string | null = null) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    model: 'test-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** A streamed reply: one chunk per text delta, a finish chunk, then the usage chunk (`include_usage`). */
export function textStream(deltas: string[], usage?: UsageIn, extra: Partial<Extract<FakeReply, { kind: 'sse' }>> = {}): FakeReply {
  const events: unknown[] = [chunk({ role: 'assistant', content: '' })];
  for (const d of deltas) events.push(chunk({ content: d }));
  events.push(chunk({}, 'stop'));
  if (usage) events.push({ id: 'chatcmpl-test', object: 'chat.completion.chunk', choices: [], usage: usageJson(usage) });
  return { kind: 'sse', events, ...extra };
}

/** A streamed tool-call reply: each call's name first, then its arguments in `pieces` parts. */
export function toolCallStream(calls: ToolCallIn[], usage?: UsageIn, pieces = 3): FakeReply {
  const events: unknown[] = [chunk({ role: 'assistant', content: null })];
  calls.forEach((c, index) => {
    events.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    const size = Math.max(1, Math.ceil(c.arguments.length / pieces));
    for (let i = 0; i < c.arguments.length; i += size) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: c.arguments.slice(i, i + size) } }] }));
    }
  });
  events.push(chunk({}, 'tool_calls'));
  if (usage) events.push({ id: 'chatcmpl-test', object: 'chat.completion.chunk', choices: [], usage: usageJson(usage) });
  return { kind: 'sse', events };
}
