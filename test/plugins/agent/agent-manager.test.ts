import assert from 'node:assert/strict';
import { CancelledError, ConfigurationError, NodeExecutionError, type AgentProvider, type ToolDefinition } from '../../../core';
import { AjvToolRegistry, echoTool } from '../../../plugins/tool/index';
import { AgentManager } from '../../../plugins/agent/agent-manager';
import { OpenAiCompatibleProvider } from '../../../runtime/llm/openai-compatible-provider';
import { completion, startFakeOpenAiServer, toolCallStream, textStream, type FakeOpenAiServer } from '../../support/fake-openai-server';
import { runContext } from './run-context';

/** A real tool with an object input schema and a side effect we can observe. */
function addTool(calls: unknown[]): ToolDefinition<{ a: number; b: number }, { sum: number }> {
  return {
    name: 'math.add',
    description: 'Adds two numbers.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    },
    outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
    async execute(input) {
      calls.push(input);
      return { sum: input.a + input.b };
    },
  };
}

describe('AgentManager', () => {
  let server: FakeOpenAiServer;
  let provider: AgentProvider;
  let calls: unknown[];
  let manager: AgentManager;

  beforeEach(async () => {
    server = await startFakeOpenAiServer();
    provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k' });
    calls = [];
    manager = new AgentManager([provider], new AjvToolRegistry([echoTool, addTool(calls)]));
  });
  afterEach(() => server.close());

  const base = { provider: 'openai', model: 'm', messages: [{ role: 'user' as const, content: 'what is 2+40?' }], maxSteps: 5 };

  describe('providers', () => {
    it('finds providers by name and names the known ones for an unknown name', () => {
      assert.equal(manager.get('openai'), provider);
      assert.deepEqual(manager.names(), ['openai']);
      assert.throws(
        () => manager.get('anthropic'),
        (e: unknown) => {
          assert.ok(e instanceof NodeExecutionError);
          assert.equal(e.message, 'unknown agent provider "anthropic" (available: openai)');
          return true;
        },
      );
      const empty = new AgentManager([], new AjvToolRegistry());
      assert.throws(() => empty.get('openai'), /no agent provider is configured/);
    });

    it('an unknown provider fails the run before any request', async () => {
      await assert.rejects(manager.run({ ...base, provider: 'nope' }, runContext()), /unknown agent provider "nope"/);
      assert.equal(server.requests.length, 0);
    });

    it('refuses duplicate and malformed providers', () => {
      assert.throws(
        () => new AgentManager([provider, provider], new AjvToolRegistry()),
        (e: unknown) => e instanceof ConfigurationError && /registered twice/.test(e.message),
      );
      assert.throws(() => new AgentManager([{ name: '', chat: null } as never], new AjvToolRegistry()), ConfigurationError);
    });
  });

  describe('tool-calling loop', () => {
    it('runs the tools the model asks for through the registry and loops until a plain reply', async () => {
      server.enqueue(
        completion({
          toolCalls: [
            { id: 'call_1', name: 'math_add', arguments: '{"a":2,"b":40}' },
            { id: 'call_2', name: 'core_echo', arguments: '{"input":{"note":"hi"}}' },
          ],
          usage: { prompt: 10, completion: 5 },
        }),
        completion({ text: 'The answer is 42.', usage: { prompt: 30, completion: 6 } }),
      );
      const result = await manager.run({ ...base, tools: ['math.add', 'core.echo'] }, runContext());
      assert.equal(result.text, 'The answer is 42.');
      assert.equal(result.steps, 2);
      assert.deepEqual(result.usage, { promptTokens: 40, completionTokens: 11, totalTokens: 51 });
      assert.deepEqual(calls, [{ a: 2, b: 40 }]);
      assert.deepEqual(result.toolCalls, [
        { name: 'math.add', arguments: { a: 2, b: 40 }, result: { sum: 42 } },
        { name: 'core.echo', arguments: { input: { note: 'hi' } }, result: { note: 'hi' } },
      ]);

      // What the model saw: wire-safe names, the registry's schemas (echo's `{}` wrapped in an object).
      const first = server.requests[0]!.body;
      assert.deepEqual(first.tools, [
        { type: 'function', function: { name: 'math_add', description: 'Adds two numbers.', parameters: addTool([]).inputSchema } },
        {
          type: 'function',
          function: {
            name: 'core_echo',
            description: echoTool.description,
            parameters: { type: 'object', properties: { input: {} }, required: ['input'], additionalProperties: false },
          },
        },
      ]);
      // The second request carries the assistant's tool calls and one tool message per call.
      const second = server.requests[1]!.body;
      assert.deepEqual(second.messages.slice(1), [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'math_add', arguments: '{"a":2,"b":40}' } },
            { id: 'call_2', type: 'function', function: { name: 'core_echo', arguments: '{"input":{"note":"hi"}}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"sum":42}' },
        { role: 'tool', tool_call_id: 'call_2', content: '{"note":"hi"}' },
      ]);
    });

    it('works with streamed tool calls too', async () => {
      server.enqueue(
        toolCallStream([{ id: 't1', name: 'math_add', arguments: '{"a":1,"b":2}' }], { prompt: 1, completion: 1 }),
        textStream(['3'], { prompt: 2, completion: 1 }),
      );
      const tokens: string[] = [];
      const result = await manager.run({ ...base, tools: ['math.add'], onToken: (t) => tokens.push(t) }, runContext());
      assert.equal(result.text, '3');
      assert.deepEqual(tokens, ['3']);
      assert.deepEqual(result.toolCalls, [{ name: 'math.add', arguments: { a: 1, b: 2 }, result: { sum: 3 } }]);
      assert.equal(result.usage.totalTokens, 5);
    });

    it('reports bad arguments, unknown tools and rejected input back to the model instead of failing', async () => {
      server.enqueue(
        completion({
          toolCalls: [
            { id: 'c1', name: 'math_add', arguments: '{"a":1,' },
            { id: 'c2', name: 'rm_rf', arguments: '{}' },
            { id: 'c3', name: 'math_add', arguments: '{"a":"one","b":2}' },
            { id: 'c4', name: 'math_add', arguments: '{"__proto__":{"polluted":true},"a":1,"b":1}' },
          ],
        }),
        completion({ text: 'sorry' }),
      );
      const result = await manager.run({ ...base, tools: ['math.add'] }, runContext());
      assert.equal(result.text, 'sorry');
      const [bad, unknown, invalid, proto] = result.toolCalls;
      assert.equal(bad!.arguments, '{"a":1,');
      assert.equal(bad!.error!.code, 'WF_TOOL_INPUT');
      assert.match(bad!.error!.message, /arguments of tool "math_add" are not valid JSON/);
      assert.equal(unknown!.name, 'rm_rf');
      assert.equal(unknown!.error!.code, 'WF_UNKNOWN_TOOL');
      assert.equal(unknown!.error!.message, 'tool "rm_rf" is not available; available tools: math_add');
      assert.equal(invalid!.error!.code, 'WF_TOOL_INPUT');
      assert.equal(proto!.error!.code, 'WF_TOOL_INPUT', 'additionalProperties rejects the __proto__ key');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(calls, [], 'no call with bad input reached the tool');
      const toolMessages = server.requests[1]!.body.messages.filter((m: { role: string }) => m.role === 'tool');
      assert.equal(toolMessages.length, 4);
      for (const m of toolMessages) assert.ok(JSON.parse(m.content).error.message, m.content);
    });

    it('fails with WF_AGENT_MAX_STEPS when the model keeps calling tools', async () => {
      for (let i = 0; i < 3; i++)
        server.enqueue(
          completion({ toolCalls: [{ id: `c${i}`, name: 'math_add', arguments: '{"a":1,"b":1}' }], usage: { prompt: 1, completion: 1 } }),
        );
      await assert.rejects(manager.run({ ...base, tools: ['math.add'], maxSteps: 3 }, runContext()), (e: unknown) => {
        assert.ok(e instanceof NodeExecutionError);
        assert.equal(e.code, 'WF_AGENT_MAX_STEPS');
        assert.equal(e.retryable, false);
        assert.match(e.message, /reached maxSteps \(3\)/);
        assert.equal((e.details as { toolCalls: unknown[] }).toolCalls.length, 3);
        return true;
      });
      assert.equal(server.requests.length, 3);
      assert.equal(calls.length, 3);
    });

    it('does not start the next tool once the attempt is aborted', async () => {
      const ac = new AbortController();
      const registry = new AjvToolRegistry([
        {
          ...echoTool,
          name: 'stop.now',
          inputSchema: { type: 'object' },
          async execute() {
            ac.abort(new CancelledError('cancelled by test'));
            return {};
          },
        },
        addTool(calls),
      ]);
      const m = new AgentManager([provider], registry);
      server.enqueue(
        completion({
          toolCalls: [
            { id: 'a', name: 'stop_now', arguments: '{}' },
            { id: 'b', name: 'math_add', arguments: '{"a":1,"b":1}' },
          ],
        }),
      );
      await assert.rejects(m.run({ ...base, tools: ['stop.now', 'math.add'] }, runContext({ signal: ac.signal })), /cancelled by test/);
      assert.deepEqual(calls, []);
      assert.equal(server.requests.length, 1);
    });

    it('gives distinct wire names to tools whose names collide once sanitised', async () => {
      const registry = new AjvToolRegistry([
        { ...echoTool, name: 'a.b' },
        { ...echoTool, name: 'a_b' },
      ]);
      const m = new AgentManager([provider], registry);
      server.enqueue(completion({ toolCalls: [{ id: 'x', name: 'a_b_2', arguments: '{"input":7}' }] }), completion({ text: 'done' }));
      const result = await m.run({ ...base, tools: ['a.b', 'a_b'] }, runContext());
      assert.deepEqual(
        server.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name),
        ['a_b', 'a_b_2'],
      );
      assert.deepEqual(result.toolCalls, [{ name: 'a_b', arguments: { input: 7 }, result: 7 }]);
    });
  });
});
