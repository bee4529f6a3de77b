import assert from 'node:assert/strict';
import { Tokens, TransientError, type Kernel, type NodeExecutor } from '../../../core';
import { toolPlugin } from '../../../plugins/tool/index';
import agentPlugin, { agentConfigSchema } from '../../../plugins/agent/index';
import { createOpenAiProviderPlugin } from '../../../runtime/llm/openai-provider.plugin';
import { startTestKernel } from '../../support/test-kernel';
import { completion, startFakeOpenAiServer, textStream, type FakeOpenAiServer } from '../../support/fake-openai-server';
import { runContext } from './run-context';

describe('agent node type', () => {
  let server: FakeOpenAiServer;
  let kernel: Kernel;
  let agent: NodeExecutor;

  beforeEach(async () => {
    server = await startFakeOpenAiServer();
    kernel = startTestKernel({
      plugins: [toolPlugin, agentPlugin, createOpenAiProviderPlugin({ openaiBaseUrl: server.baseUrl, openaiApiKey: 'sk-node' })],
    });
    const entry = kernel.get(Tokens.NodeTypeRegistry).get('agent');
    assert.equal(entry.pluginId, 'weft.agent');
    assert.deepEqual(entry.definition.templateFields, ['system', 'prompt']);
    agent = entry.executor;
  });
  afterEach(async () => {
    await kernel.stop();
    await server.close();
  });

  it('streams tokens through ctx.emitToken, in order, and outputs { text, usage }', async () => {
    server.enqueue(textStream(['Bon', 'jour', ' !'], { prompt: 12, completion: 3 }));
    const ctx = runContext();
    const out = await agent.execute(
      { model: 'gpt-test', system: 'You are terse.', prompt: 'Say hello in French', temperature: 0, maxTokens: 20 },
      ctx,
    );
    assert.deepEqual(ctx.tokens, ['Bon', 'jour', ' !']);
    assert.deepEqual(out, { text: 'Bonjour !', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } });
    const body = server.requests[0]!.body;
    assert.equal(body.model, 'gpt-test');
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello in French' },
    ]);
    assert.equal(body.temperature, 0);
    assert.equal(body.max_tokens, 20);
    assert.equal(body.stream, true);
    assert.equal(server.requests[0]!.headers.authorization, 'Bearer sk-node');
  });

  it('with stream: false sends a plain request and emits no tokens', async () => {
    server.enqueue(completion({ text: 'quiet', usage: { prompt: 1, completion: 1 } }));
    const ctx = runContext();
    const out = await agent.execute({ model: 'm', prompt: 'p', stream: false }, ctx);
    assert.deepEqual(ctx.tokens, []);
    assert.equal((out as { text: string }).text, 'quiet');
    assert.equal(server.requests[0]!.body.stream, undefined);
    assert.equal(server.requests[0]!.body.messages.length, 1, 'no system message when none is configured');
  });

  it('sends a prompt that rendered to a non-string value as JSON, and refuses an empty one', async () => {
    server.enqueue(completion({ text: 'ok' }));
    await agent.execute({ model: 'm', prompt: { orders: [1, 2] } as unknown as string, stream: false }, runContext());
    assert.equal(server.requests[0]!.body.messages[0].content, '{"orders":[1,2]}');
    await assert.rejects(agent.execute({ model: 'm', prompt: '   ' }, runContext()), /"prompt" rendered to an empty text/);
    assert.equal(server.requests.length, 1);
  });

  describe('responseFormat: json', () => {
    it('parses the reply, stripping a ```json fence, and asks for a JSON object', async () => {
      server.enqueue(completion({ text: '```json\n{"total": 3, "ok": true}\n```', usage: { prompt: 2, completion: 2 } }));
      const out = await agent.execute({ model: 'm', prompt: 'count as JSON', responseFormat: 'json', stream: false }, runContext());
      assert.deepEqual(out, {
        text: '```json\n{"total": 3, "ok": true}\n```',
        json: { total: 3, ok: true },
        usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 },
      });
      assert.deepEqual(server.requests[0]!.body.response_format, { type: 'json_object' });
    });

    it('invalid JSON is a retryable TransientError WF_AGENT_BAD_JSON with the position', async () => {
      server.enqueue(completion({ text: '{"total": 3,, }' }));
      await assert.rejects(
        agent.execute({ model: 'm', prompt: 'p', responseFormat: 'json', stream: false }, runContext({ nodeId: 'summarise' })),
        (e: unknown) => {
          assert.ok(e instanceof TransientError);
          assert.equal(e.code, 'WF_AGENT_BAD_JSON');
          assert.equal(e.retryable, true);
          assert.match(e.message, /^agent node "summarise": the model's reply is not valid JSON \(at position 12:/);
          assert.equal((e.details as { position: number }).position, 12);
          return true;
        },
      );
    });

    it('an empty or truncated reply is bad JSON too', async () => {
      server.enqueue(completion({ text: '' }), completion({ text: '{"a": [1, 2', finishReason: 'length' }));
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          agent.execute({ model: 'm', prompt: 'p', responseFormat: 'json', stream: false }, runContext()),
          (e: unknown) => {
            assert.ok(e instanceof TransientError);
            assert.equal(e.code, 'WF_AGENT_BAD_JSON');
            return true;
          },
        );
      }
    });
  });

  describe('validate', () => {
    it('names unknown tools at config.tools[i] and unknown providers at config.provider', () => {
      assert.deepEqual(agent.validate!({ model: 'm', prompt: 'p', tools: ['core.echo', 'no.such', 'http.request', 'nope'] }), [
        { path: 'config.tools[1]', message: 'unknown tool "no.such"', code: 'WF_UNKNOWN_TOOL' },
        { path: 'config.tools[3]', message: 'unknown tool "nope"', code: 'WF_UNKNOWN_TOOL' },
      ]);
      assert.deepEqual(agent.validate!({ model: 'm', prompt: 'p', provider: 'claude' }), [
        { path: 'config.provider', message: 'unknown agent provider "claude" (available: openai)', code: 'WF_AGENT' },
      ]);
      assert.deepEqual(agent.validate!({ model: 'm', prompt: 'p', tools: ['core.echo'] }), []);
    });

    it('has a strict config schema', () => {
      assert.equal(agentConfigSchema.additionalProperties, false);
      assert.deepEqual([...agentConfigSchema.required], ['model', 'prompt']);
    });
  });

  it('an unknown provider fails the node with a clear message', async () => {
    await assert.rejects(
      agent.execute({ model: 'm', prompt: 'p', provider: 'vllm' }, runContext()),
      /unknown agent provider "vllm" \(available: openai\)/,
    );
  });

  it('tool calls appear in the output, in order', async () => {
    server.enqueue(
      completion({ toolCalls: [{ id: 'c1', name: 'core_echo', arguments: '{"input":"ping"}' }], usage: { prompt: 3, completion: 1 } }),
      completion({ text: 'pong', usage: { prompt: 5, completion: 1 } }),
    );
    const out = await agent.execute({ model: 'm', prompt: 'p', tools: ['core.echo'], stream: false }, runContext());
    assert.deepEqual(out, {
      text: 'pong',
      usage: { promptTokens: 8, completionTokens: 2, totalTokens: 10 },
      toolCalls: [{ name: 'core.echo', arguments: { input: 'ping' }, result: 'ping' }],
    });
  });
});
