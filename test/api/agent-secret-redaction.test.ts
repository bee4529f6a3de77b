import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from '../../core/index';
import { loadConfig } from '../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../runtime/composition/build-runtime';
import { startFakeOpenAiServer, textStream, type FakeOpenAiServer } from '../support/fake-openai-server';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';
import { startApi, type ApiHarness } from './support/api-harness';
import { readSseOnceOpen } from './support/sse-client';

const VALUE = 'llm-SECRET-7a6b5c4d3e2f1908';
const MARK = '[secret:LLM_TOKEN]';

/**
 * An agent whose prompt carries `{{ secrets.LLM_TOKEN }}`, against the local OpenAI-compatible
 * server, which streams the value back split across chunks: the SSE stream, the stored execution
 * (every byte of the SQLite files), the API's documents and the log lines never hold the value.
 */
describe('agent streaming a secret back, split across chunks (weft serve in process, SQLite)', function () {
  this.timeout(60_000);
  let temp: TempDir;
  let llm: FakeOpenAiServer;
  let runtime: BuiltRuntime;
  let api: ApiHarness;
  const logLines: string[] = [];

  before(async () => {
    temp = makeTempDir('weft-agent-redact-');
    llm = await startFakeOpenAiServer();
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }) as unknown as Logger;
    runtime = await buildRuntime(
      loadConfig({ WEFT_DATA_DIR: temp.dir, WEFT_LOG_LEVEL: 'debug', OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: 'sk-test' }),
      { logger },
    );
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel });
    assert.equal((await api.request('PUT', '/api/v1/secrets/LLM_TOKEN', { body: { value: VALUE } })).status, 204);
  });
  after(async () => {
    await api?.close();
    await runtime?.close();
    await llm?.close();
    temp?.remove();
  });

  it('never lets the value out, while the model is sent the real value', async () => {
    // the value comes back cut at several places, one piece a single character
    const pieces = ['Your token: llm-SEC', 'RET-7a6b', '5', 'c4d3e2f1', '908 (and again ', VALUE.slice(0, 3), VALUE.slice(3), ').'];
    llm.enqueue(textStream(pieces, { prompt: 12, completion: 8 }, { fragment: 7 }));
    const wf = await api.createWorkflow({
      name: 'agent-echoes-secret',
      nodes: [
        // holds the agent back until the SSE stream below is open, so it sees every token event
        { id: 'gate', type: 'wait', config: { signal: 'go' } },
        { id: 'ask', type: 'agent', config: { model: 'test-model', prompt: 'Repeat this token: {{ secrets.LLM_TOKEN }}' } },
      ],
      edges: [{ from: 'gate', to: 'ask' }],
      outputs: { answer: '{{ nodes.ask.output.text }}' },
    });
    const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    assert.equal(started.status, 202, started.text);
    const id = started.body.executionId as string;
    const stream = readSseOnceOpen(`${api.url}/api/v1/executions/${id}/events`, api.keys.viewer, { timeoutMs: 30_000 });
    await stream.opened;
    const signalled = await api.request('POST', `/api/v1/executions/${id}/signals/go`, { body: {} });
    assert.equal(signalled.status, 202, signalled.text);
    const sse = await stream.result;
    assert.ok(
      sse.closedByServer,
      `the stream ends with the execution: ${JSON.stringify(sse.events.map((e) => [e.event, e.data?.status]))}`,
    );

    assert.match(JSON.stringify(llm.requests[0]!.body.messages), new RegExp(VALUE), 'the model was sent the value');
    const tokens = sse.events.filter((e) => e.event === 'token').map((e) => e.data.text as string);
    assert.ok(tokens.length > 1, 'tokens were streamed');
    assert.equal(tokens.join(''), `Your token: ${MARK} (and again ${MARK}).`);

    const doc = await api.request('GET', `/api/v1/executions/${id}`);
    assert.equal(doc.body.status, 'succeeded', doc.text);
    assert.equal(doc.body.outputs.answer, `Your token: ${MARK} (and again ${MARK}).`);
    const nodes = await api.request('GET', `/api/v1/executions/${id}/nodes`);
    const files = readdirSync(temp.dir)
      .map((f) => readFileSync(join(temp.dir, f)).toString('latin1'))
      .join('\n');
    const haystack = [JSON.stringify(sse.events), doc.text, nodes.text, files, logLines.join('')].join('\n');
    for (const form of [VALUE, Buffer.from(VALUE).toString('base64'), '7a6b5c4d3e2f1908']) {
      const at = haystack.indexOf(form);
      assert.equal(at, -1, `"${form}" leaked: …${haystack.slice(Math.max(0, at - 200), at + 100)}…`);
    }
  });
});
