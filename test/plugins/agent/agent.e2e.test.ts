import assert from 'node:assert/strict';
import { Tokens, type ExecutionEvent, type Kernel, type NodeStatusEvent, type NodeTokenEvent } from '../../../core';
import { toolPlugin } from '../../../plugins/tool/index';
import agentPlugin from '../../../plugins/agent/index';
import { createOpenAiProviderPlugin } from '../../../runtime/llm/openai-provider.plugin';
import { startTestKernel } from '../../support/test-kernel';
import { completion, startFakeOpenAiServer, textStream, type FakeOpenAiServer } from '../../support/fake-openai-server';

const KEY = 'sk-e2e-very-secret-key';

/** An echo node feeding an agent node whose prompt is templated from the echo's output. */
function workflow(agentExtra: Record<string, unknown> = {}, agentConfig: Record<string, unknown> = {}) {
  return {
    name: 'agent-e2e',
    nodes: [
      { id: 'facts', type: 'tool', config: { tool: 'core.echo', input: { city: 'Paris', count: 3 } } },
      {
        id: 'ask',
        type: 'agent',
        config: {
          model: 'test-model',
          system: 'You are a guide for {{ nodes.facts.output.city }}.',
          prompt: 'List {{ nodes.facts.output.count }} sights in {{ nodes.facts.output.city }}.',
          ...agentConfig,
        },
        ...agentExtra,
      },
    ],
    edges: [{ from: 'facts', to: 'ask' }],
    outputs: { answer: '{{ nodes.ask.output.text }}' },
  };
}

describe('agent node end to end (kernel + executor + fake OpenAI server)', () => {
  let server: FakeOpenAiServer;
  let kernel: Kernel;
  let events: ExecutionEvent[];

  beforeEach(async () => {
    server = await startFakeOpenAiServer();
    kernel = startTestKernel({
      plugins: [toolPlugin, agentPlugin, createOpenAiProviderPlugin({ openaiBaseUrl: server.baseUrl, openaiApiKey: KEY })],
    });
    events = [];
    kernel.get(Tokens.EventBus).subscribe((e) => void events.push(e));
  });
  afterEach(async () => {
    await kernel.stop();
    await server.close();
  });

  const nodeOf = (doc: { nodes: Array<{ nodeId: string }> }, id: string) => doc.nodes.find((n) => n.nodeId === id) as any;

  it('renders the prompt from upstream output, streams token events and records the output', async () => {
    server.enqueue(textStream(['Eiffel Tower', ', Louvre', ', Notre-Dame'], { prompt: 20, completion: 9 }));
    const doc = await kernel.executor.run(workflow());
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    assert.deepEqual(doc.outputs, { answer: 'Eiffel Tower, Louvre, Notre-Dame' });
    assert.deepEqual(nodeOf(doc, 'ask').output, {
      text: 'Eiffel Tower, Louvre, Notre-Dame',
      usage: { promptTokens: 20, completionTokens: 9, totalTokens: 29 },
    });
    assert.deepEqual(server.requests[0]!.body.messages, [
      { role: 'system', content: 'You are a guide for Paris.' },
      { role: 'user', content: 'List 3 sights in Paris.' },
    ]);
    const tokens = events.filter((e): e is NodeTokenEvent => e.kind === 'token');
    assert.deepEqual(
      tokens.map((t) => t.text),
      ['Eiffel Tower', ', Louvre', ', Notre-Dame'],
    );
    assert.ok(tokens.every((t) => t.nodeId === 'ask' && t.executionId === doc.id));
    // Tokens arrive between the node's running and succeeded events.
    const seqOf = (status: string) => events.find((e) => e.kind === 'node' && e.nodeId === 'ask' && e.status === status)!.seq;
    assert.ok(tokens[0]!.seq > seqOf('running') && tokens[tokens.length - 1]!.seq < seqOf('succeeded'));
  });

  it('retries a 429, waiting what Retry-After asks (capped by maxDelayMs)', async () => {
    server.enqueue(
      { kind: 'json', status: 429, headers: { 'retry-after': '0.05' }, body: { error: { message: 'slow down' } } },
      { kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { error: { message: 'slow down more' } } },
      completion({ text: 'finally', usage: { prompt: 1, completion: 1 } }),
    );
    // initialDelayMs is huge: only Retry-After (and the cap) can make the retries this short.
    const doc = await kernel.executor.run(
      workflow({ retry: { maxAttempts: 3, initialDelayMs: 600_000, maxDelayMs: 30 } }, { stream: false }),
    );
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    const ask = nodeOf(doc, 'ask');
    assert.equal(ask.attempts, 3);
    assert.equal(ask.output.text, 'finally');
    const retries = events.filter((e): e is NodeStatusEvent => e.kind === 'node' && e.status === 'retrying');
    assert.deepEqual(
      retries.map((r) => r.delayMs),
      [30, 30],
    );
    assert.equal(server.requests.length, 3);
  });

  it('uses Retry-After below the cap as is', async () => {
    server.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '0.02' }, body: {} }, completion({ text: 'ok' }));
    const doc = await kernel.executor.run(workflow({ retry: { maxAttempts: 2, initialDelayMs: 600_000 } }, { stream: false }));
    assert.equal(doc.status, 'succeeded');
    const retries = events.filter((e): e is NodeStatusEvent => e.kind === 'node' && e.status === 'retrying');
    assert.deepEqual(
      retries.map((r) => r.delayMs),
      [20],
    );
  });

  it('retries invalid JSON by default (TransientError WF_AGENT_BAD_JSON), then parses it', async () => {
    server.enqueue(completion({ text: 'Sure! {"sights": [' }), completion({ text: '{"sights": ["Louvre"]}' }));
    const doc = await kernel.executor.run(workflow({ retry: { initialDelayMs: 1 } }, { stream: false, responseFormat: 'json' }));
    assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
    const ask = nodeOf(doc, 'ask');
    assert.equal(ask.attempts, 2);
    assert.deepEqual(ask.output.json, { sights: ['Louvre'] });
  });

  it('a 400 fails the node at once, as a NodeExecutionError without the key', async () => {
    server.enqueue({ kind: 'json', status: 400, body: { error: { message: `model not found (key ${KEY})` } } });
    const doc = await kernel.executor.run(workflow({ retry: { maxAttempts: 3, initialDelayMs: 1 } }));
    assert.equal(doc.status, 'failed');
    const ask = nodeOf(doc, 'ask');
    assert.equal(ask.attempts, 1);
    assert.equal(ask.error.type, 'NodeExecutionError');
    assert.equal(ask.error.code, 'WF_AGENT');
    assert.ok(!JSON.stringify(doc).includes(KEY));
    assert.equal(server.requests.length, 1);
  });

  it('validation names unknown tools and providers before anything runs', async () => {
    const r = kernel.validator.validate(workflow({}, { tools: ['core.echo', 'no.such.tool'], provider: 'nope' }));
    assert.equal(r.ok, false);
    const issues = (r as { issues: Array<{ path: string; message: string }> }).issues;
    assert.ok(
      issues.some((i) => i.path === 'nodes[1].config.tools[1]' && /unknown tool "no.such.tool"/.test(i.message)),
      JSON.stringify(issues),
    );
    assert.ok(
      issues.some((i) => i.path === 'nodes[1].config.provider' && /unknown agent provider "nope"/.test(i.message)),
      JSON.stringify(issues),
    );
    assert.equal(server.requests.length, 0);
  });

  it('a node timeout aborts a hanging model call', async () => {
    server.enqueue({ kind: 'hang' });
    const doc = await kernel.executor.run(workflow({ timeoutMs: 100 }));
    assert.equal(doc.status, 'failed');
    assert.equal(nodeOf(doc, 'ask').error.type, 'TimeoutError');
  });
});
