import assert from 'node:assert/strict';
import { CancelledError, ConfigurationError, NodeExecutionError, TimeoutError, TransientError, WeftError } from '../../../core';
import type { ChatRequest } from '../../../core';
import { OpenAiCompatibleProvider } from '../../../runtime/llm/openai-compatible-provider';
import { completion, startFakeOpenAiServer, textStream, toolCallStream, type FakeOpenAiServer } from '../../support/fake-openai-server';
import { waitFor } from '../../support/wait-for';

const KEY = 'sk-test-SECRET-0123456789';

function req(extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'test-model', messages: [{ role: 'user', content: 'hi' }], ...extra };
}

async function rejection(p: Promise<unknown>): Promise<WeftError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('OpenAiCompatibleProvider', () => {
  let server: FakeOpenAiServer;
  let provider: OpenAiCompatibleProvider;

  beforeEach(async () => {
    server = await startFakeOpenAiServer();
    provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: KEY });
  });
  afterEach(() => server.close());

  describe('plain completions', () => {
    it('maps the request body and headers and returns text, usage and finish reason', async () => {
      server.enqueue(completion({ text: 'Hello!', usage: { prompt: 7, completion: 3 } }));
      const res = await provider.chat(
        req({
          temperature: 0.2,
          maxTokens: 50,
          messages: [
            { role: 'system', content: 'be nice' },
            { role: 'user', content: 'hi' },
          ],
        }),
      );
      assert.deepEqual(res, {
        text: 'Hello!',
        toolCalls: [],
        usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
        finishReason: 'stop',
      });
      const [r] = server.requests;
      assert.equal(r!.path, '/v1/chat/completions');
      assert.equal(r!.headers.authorization, `Bearer ${KEY}`);
      assert.equal(r!.headers['content-type'], 'application/json');
      assert.deepEqual(r!.body, {
        model: 'test-model',
        messages: [
          { role: 'system', content: 'be nice' },
          { role: 'user', content: 'hi' },
        ],
        temperature: 0.2,
        max_tokens: 50,
      });
    });

    it('sends no Authorization header without a key, and uses its configured name', async () => {
      const local = new OpenAiCompatibleProvider({ name: 'ollama', baseUrl: `${server.baseUrl}/`, apiKey: null });
      assert.equal(local.name, 'ollama');
      server.enqueue(completion({ text: 'ok' }));
      const res = await local.chat(req());
      assert.equal(res.text, 'ok');
      assert.equal(server.requests[0]!.headers.authorization, undefined);
      assert.deepEqual(res.usage, { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, 'missing usage counts as zeros');
    });

    it('asks for a JSON object and sends tools as functions', async () => {
      server.enqueue(completion({ text: '{}' }));
      await provider.chat(
        req({ responseFormat: 'json', tools: [{ name: 'math_add', description: 'adds', parameters: { type: 'object' } }] }),
      );
      const body = server.requests[0]!.body;
      assert.deepEqual(body.response_format, { type: 'json_object' });
      assert.deepEqual(body.tools, [
        { type: 'function', function: { name: 'math_add', description: 'adds', parameters: { type: 'object' } } },
      ]);
      assert.equal(body.stream, undefined);
    });

    it('returns tool calls, tolerating a missing id and object arguments', async () => {
      server.enqueue({
        kind: 'json',
        body: {
          choices: [
            {
              message: {
                content: null,
                tool_calls: [
                  { id: 'c1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
                  { type: 'function', function: { name: 'b', arguments: { y: 2 } } },
                ],
              },
              finish_reason: 'tool_calls',
            },
          ],
        },
      });
      const res = await provider.chat(req());
      assert.equal(res.text, '');
      assert.deepEqual(res.toolCalls, [
        { id: 'c1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
        { id: 'call_1', type: 'function', function: { name: 'b', arguments: '{"y":2}' } },
      ]);
    });
  });

  describe('streaming', () => {
    it('streams text deltas in order and reads usage from the last chunk', async () => {
      server.enqueue(textStream(['Hel', 'lo', ', wor', 'ld'], { prompt: 5, completion: 4 }));
      const tokens: string[] = [];
      const res = await provider.chat(req({ onToken: (t) => tokens.push(t) }));
      assert.deepEqual(tokens, ['Hel', 'lo', ', wor', 'ld']);
      assert.equal(res.text, 'Hello, world');
      assert.deepEqual(res.usage, { promptTokens: 5, completionTokens: 4, totalTokens: 9 });
      assert.equal(res.finishReason, 'stop');
      const body = server.requests[0]!.body;
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(server.requests[0]!.headers.accept, 'text/event-stream');
    });

    it('survives hostile chunking: 3-byte writes splitting lines and multi-byte characters', async () => {
      server.enqueue(textStream(['héllo ', '世界', ' 🎉'], { prompt: 1, completion: 3 }, { fragment: 3 }));
      const tokens: string[] = [];
      const res = await provider.chat(req({ onToken: (t) => tokens.push(t) }));
      assert.equal(tokens.join(''), 'héllo 世界 🎉');
      assert.equal(res.text, 'héllo 世界 🎉');
      assert.equal(res.usage.totalTokens, 4);
    });

    it('accumulates streamed tool calls by index', async () => {
      server.enqueue(
        toolCallStream(
          [
            { id: 'call_a', name: 'math_add', arguments: '{"a":2,"b":40}' },
            { id: 'call_b', name: 'core_echo', arguments: '{"input":"hé"}' },
          ],
          { prompt: 3, completion: 2 },
        ),
      );
      const tokens: string[] = [];
      const res = await provider.chat(req({ onToken: (t) => tokens.push(t) }));
      assert.deepEqual(tokens, []);
      assert.deepEqual(res.toolCalls, [
        { id: 'call_a', type: 'function', function: { name: 'math_add', arguments: '{"a":2,"b":40}' } },
        { id: 'call_b', type: 'function', function: { name: 'core_echo', arguments: '{"input":"hé"}' } },
      ]);
      assert.equal(res.finishReason, 'tool_calls');
    });

    it('accepts a stream that ends with a finish reason but no [DONE]', async () => {
      server.enqueue(textStream(['a', 'b'], undefined, { done: false }));
      const res = await provider.chat(req({ onToken: () => undefined }));
      assert.equal(res.text, 'ab');
    });

    it('accepts a JSON reply from a server that ignores "stream", emitting its text once', async () => {
      server.enqueue(completion({ text: 'whole', usage: { prompt: 1, completion: 1 } }));
      const tokens: string[] = [];
      const res = await provider.chat(req({ onToken: (t) => tokens.push(t) }));
      assert.deepEqual(tokens, ['whole']);
      assert.equal(res.text, 'whole');
    });

    it('a stream cut before it completes is a TransientError', async () => {
      server.enqueue({ kind: 'sse', events: [{ choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }] }], cut: true });
      const err = await rejection(provider.chat(req({ onToken: () => undefined })));
      assert.ok(err instanceof TransientError, err.message);
      assert.equal(err.code, 'WF_AGENT');
    });

    it('a chunk that is not JSON is a NodeExecutionError naming it', async () => {
      server.enqueue({ kind: 'sse', events: ['{"choices": [oops'] });
      const err = await rejection(provider.chat(req({ onToken: () => undefined })));
      assert.ok(err instanceof NodeExecutionError);
      assert.match(err.message, /openai returned a malformed response: a stream chunk is not JSON/);
    });

    it('an error event mid-stream is a TransientError', async () => {
      server.enqueue({ kind: 'sse', events: [{ error: { message: 'overloaded' } }] });
      const err = await rejection(provider.chat(req({ onToken: () => undefined })));
      assert.ok(err instanceof TransientError);
      assert.match(err.message, /overloaded/);
    });
  });

  describe('errors', () => {
    it('429 is a TransientError with retryAfterMs from Retry-After seconds', async () => {
      server.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached' } } });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof TransientError);
      assert.equal(err.retryable, true);
      assert.equal(err.code, 'WF_AGENT');
      assert.equal(err.message, 'openai returned 429: Rate limit reached');
      assert.equal(err.retryAfterMs, 2000);
    });

    it('Retry-After as an HTTP date becomes a delay', async () => {
      const at = new Date(Date.now() + 60_000).toUTCString();
      server.enqueue({ kind: 'json', status: 503, headers: { 'retry-after': at }, body: {} });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof TransientError);
      assert.ok(err.retryAfterMs! > 50_000 && err.retryAfterMs! <= 60_000, String(err.retryAfterMs));
    });

    it('500 is a TransientError without retryAfterMs; the body text is shortened', async () => {
      server.enqueue({ kind: 'raw', status: 500, body: `upstream exploded ${'x'.repeat(5000)}` });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof TransientError);
      assert.equal(err.retryAfterMs, undefined);
      assert.match(err.message, /^openai returned 500: upstream exploded x+$/);
      assert.ok(err.message.length < 400);
    });

    it('400 is a NodeExecutionError, not retryable', async () => {
      server.enqueue({ kind: 'json', status: 400, body: { error: { message: "Invalid 'messages'" } } });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof NodeExecutionError);
      assert.equal(err.retryable, false);
      assert.equal(err.message, "openai returned 400: Invalid 'messages'");
      assert.deepEqual(err.details, { status: 400, provider: 'openai' });
    });

    it('never puts the API key in an error, even when the server echoes it', async () => {
      server.enqueue({ kind: 'json', status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof NodeExecutionError);
      assert.ok(!err.message.includes(KEY), err.message);
      assert.ok(!JSON.stringify(err.details).includes(KEY));
      assert.match(err.message, /\[redacted\]/);
    });

    it('a dropped connection is a TransientError without the key', async () => {
      server.enqueue({ kind: 'destroy' });
      const err = await rejection(provider.chat(req()));
      assert.ok(err instanceof TransientError, err.message);
      assert.match(err.message, /^openai request failed/);
      assert.ok(!err.message.includes(KEY));
    });

    it('a refused connection is a TransientError', async () => {
      const url = server.baseUrl;
      await server.close();
      const err = await rejection(new OpenAiCompatibleProvider({ baseUrl: url, apiKey: KEY }).chat(req()));
      assert.ok(err instanceof TransientError);
      assert.match(err.message, /ECONNREFUSED/);
      server = await startFakeOpenAiServer(); // for afterEach
    });

    for (const [label, reply, pattern] of [
      [
        'a body that is not JSON',
        { kind: 'raw', status: 200, body: '<html>oops</html>', headers: { 'content-type': 'text/html' } },
        /the body is not JSON/,
      ],
      ['no choices', { kind: 'json', body: { choices: [] } }, /"choices" is missing or empty/],
      ['a non-string content', { kind: 'json', body: { choices: [{ message: { content: 42 } }] } }, /content" is not a string/],
      [
        'a tool call without a name',
        { kind: 'json', body: { choices: [{ message: { tool_calls: [{ id: 'x', function: {} }] } }] } },
        /has no function name/,
      ],
      ['a JSON array', { kind: 'json', body: [1, 2] }, /not a JSON object/],
    ] as const) {
      it(`a malformed response (${label}) is a NodeExecutionError`, async () => {
        server.enqueue(reply);
        const err = await rejection(provider.chat(req()));
        assert.ok(err instanceof NodeExecutionError, err.message);
        assert.match(err.message, pattern);
      });
    }

    it('an oversized response is refused', async () => {
      const small = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, maxResponseBytes: 1024 });
      server.enqueue(completion({ text: 'x'.repeat(5000) }));
      const err = await rejection(small.chat(req()));
      assert.ok(err instanceof NodeExecutionError);
      assert.match(err.message, /exceeds 1024 bytes/);
      server.enqueue(textStream(['y'.repeat(3000)]));
      const err2 = await rejection(small.chat(req({ onToken: () => undefined })));
      assert.match(err2.message, /exceeds 1024 bytes/);
    });

    it('rejects a base URL that is not http(s)', () => {
      assert.throws(() => new OpenAiCompatibleProvider({ baseUrl: 'not a url' }), ConfigurationError);
      assert.throws(() => new OpenAiCompatibleProvider({ baseUrl: 'file:///etc' }), ConfigurationError);
    });
  });

  describe('abort', () => {
    it('aborting a hanging stream rejects with CancelledError', async () => {
      server.enqueue({ kind: 'hang' });
      const ac = new AbortController();
      const before = server.requests.length;
      const p = provider.chat(req({ onToken: () => undefined, signal: ac.signal }));
      await waitFor(() => server.requests.length > before, 'the request to reach the server');
      ac.abort();
      const err = await rejection(p);
      assert.ok(err instanceof CancelledError, err.message);
    });

    it("keeps a weft error given as the abort reason (the executor's timeout)", async () => {
      server.enqueue({ kind: 'hang' });
      const ac = new AbortController();
      const before = server.requests.length;
      const p = provider.chat(req({ signal: ac.signal }));
      await waitFor(() => server.requests.length > before, 'the request to reach the server');
      ac.abort(new TimeoutError('node "ask" timed out'));
      const err = await rejection(p);
      assert.ok(err instanceof TimeoutError);
      assert.equal(err.message, 'node "ask" timed out');
    });

    it('an already aborted signal sends nothing', async () => {
      const ac = new AbortController();
      ac.abort();
      const err = await rejection(provider.chat(req({ signal: ac.signal })));
      assert.ok(err instanceof CancelledError);
      assert.equal(server.requests.length, 0);
    });
  });
});
