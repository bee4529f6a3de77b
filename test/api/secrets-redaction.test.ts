import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import type { Logger } from '../../core/index';
import { loadConfig } from '../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../runtime/composition/build-runtime';
import { EVENTS_CHANNEL } from '../../runtime/events/pg-notify-event-bus';
import { sharedPostgresDatabase, stopSharedPostgres } from '../support/postgres-server';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';
import { startApi, type ApiHarness } from './support/api-harness';
import { readSse } from './support/sse-client';
import { Tokens } from '../../core/di/tokens';
import { createExecutionQueue } from '../../runtime/queue/queue.bindings';
import type { PgBossExecutionQueue } from '../../runtime/queue/pg-boss-queue';
import { QueueWorker, type ClaimingExecutionStore } from '../../runtime/queue/queue-worker';

const VALUE = 'tok-SECRET-4f3e2d1c0b9a8877';
const MARK = '[secret:API_TOKEN]';
/** Every form of the value that must never appear. */
const FORBIDDEN = [VALUE, Buffer.from(VALUE).toString('base64'), Buffer.from(`Bearer ${VALUE}`).toString('base64'), '4f3e2d1c0b9a8877'];

after(stopSharedPostgres);

/** A server that fails with the caller's Authorization header in its answer (/fail), or echoes it (/echo). */
async function startUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (req.url!.startsWith('/fail')) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`upstream refused ${auth} for ${req.url}`);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ auth, url: req.url }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function httpNode(id: string, url: string): object {
  return {
    id,
    type: 'tool',
    config: {
      tool: 'http.request',
      input: { url: `${url}?token={{ secrets.API_TOKEN }}`, headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' } },
    },
  };
}

// `postgresql-queue`: WEFT_EXECUTION_MODE=queue, the API queues and a worker (in this process) runs
for (const dialect of ['sqlite', 'postgresql', 'postgresql-queue'] as const) {
  describe(`secret redaction end to end [${dialect}]`, function () {
    this.timeout(60_000);
    let temp: TempDir | null = null;
    let runtime: BuiltRuntime;
    let api: ApiHarness;
    let upstream: { url: string; server: Server };
    let listener: Client | null = null;
    const logLines: string[] = [];
    const notifications: string[] = [];
    let dumpStore: () => Promise<string>;
    let worker: QueueWorker | null = null;
    let queue: PgBossExecutionQueue | null = null;

    before(async function () {
      let env: Record<string, string>;
      if (dialect === 'sqlite') {
        temp = makeTempDir('weft-redact-');
        env = { WEFT_DATA_DIR: temp.dir, WEFT_LOG_LEVEL: 'debug' };
      } else {
        const db = await sharedPostgresDatabase();
        if ('skip' in db) return this.skip();
        env = { DATABASE_URL: db.url, WEFT_SECRETS_KEY: randomBytes(32).toString('base64'), WEFT_LOG_LEVEL: 'debug' };
        if (dialect === 'postgresql-queue') env.WEFT_EXECUTION_MODE = 'queue';
        listener = new Client({ connectionString: db.url });
        await listener.connect();
        listener.on('notification', (n) => notifications.push(n.payload ?? ''));
        await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      }
      const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }) as unknown as Logger;
      const config = loadConfig(env);
      runtime = await buildRuntime(config, { logger });
      if (dialect === 'postgresql-queue') {
        const kernel = runtime.kernel;
        queue = createExecutionQueue(config, kernel, { leaseSeconds: 5 });
        worker = new QueueWorker({
          queue,
          executor: kernel.executor,
          executionStore: kernel.get(Tokens.ExecutionStore) as ClaimingExecutionStore,
          workflowStore: kernel.get(Tokens.WorkflowStore),
          clock: kernel.get(Tokens.Clock),
          logger,
          concurrency: 2,
          pollIntervalMs: 50,
        });
        await worker.start();
      }
      api = await startApi({ kernel: runtime.kernel });
      upstream = await startUpstream();
      dumpStore = async () => {
        if (dialect === 'sqlite') {
          return readdirSync(temp!.dir)
            .map((f) => readFileSync(join(temp!.dir, f)).toString('latin1'))
            .join('\n');
        }
        const knex = runtime.persistence!.executionStore.knex;
        const parts = [];
        for (const t of ['workflow_execution', 'node_execution', 'secret', 'workflow_version'])
          parts.push(JSON.stringify(await knex(t).select('*')));
        return parts.join('\n');
      };
      const put = await api.request('PUT', '/api/v1/secrets/API_TOKEN', { body: { value: VALUE } });
      assert.equal(put.status, 204, put.text);
    });
    after(async () => {
      await worker?.stop();
      await queue?.stop();
      await api?.close();
      await runtime?.close();
      await listener?.end();
      upstream?.server.close();
      temp?.remove();
    });

    /** Runs a workflow through the API with an SSE stream open, and returns everything that left the process. */
    async function runAndCollect(definition: object, inputs: object = {}): Promise<{ doc: any; haystack: string }> {
      const wf = await api.createWorkflow(definition);
      const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { inputs } });
      assert.equal(started.status, 202, started.text);
      const id = started.body.executionId;
      const sse = await readSse(`${api.url}/api/v1/executions/${id}/events`, api.keys.viewer, { timeoutMs: 20_000 });
      assert.ok(sse.closedByServer);
      const doc = await api.request('GET', `/api/v1/executions/${id}`);
      const nodes = await api.request('GET', `/api/v1/executions/${id}/nodes`);
      // the store batches writes: the document above was read after the end was recorded
      const haystack = [
        JSON.stringify(sse.events),
        doc.text,
        nodes.text,
        await dumpStore(),
        logLines.join(''),
        notifications.join('\n'),
      ].join('\n');
      return { doc: doc.body, haystack };
    }

    function assertRedacted(haystack: string): void {
      for (const form of FORBIDDEN)
        assert.equal(
          haystack.indexOf(form),
          -1,
          `"${form}" leaked: …${haystack.slice(Math.max(0, haystack.indexOf(form) - 200), haystack.indexOf(form) + 100)}…`,
        );
    }

    it('keeps the value of a secret sent to a failing server out of the record, the API, SSE, logs and cross-process events', async () => {
      const { doc, haystack } = await runAndCollect({
        name: `redact-fail-${dialect}`,
        nodes: [
          { id: 'wait', type: 'tool', config: { tool: 'core.sleep', input: { ms: 300, value: 1 } } },
          httpNode('call', `${upstream.url}/fail`),
        ],
        edges: [{ from: 'wait', to: 'call' }],
      });
      assert.equal(doc.status, 'failed');
      const call = doc.nodes.find((n: { nodeId: string }) => n.nodeId === 'call');
      assert.equal(call.error.input.input.headers.Authorization, `Bearer ${MARK}`);
      assert.match(call.error.input.input.url, /\?token=\[secret:API_TOKEN\]$/);
      assert.match(call.error.message, /\[secret:API_TOKEN\]/);
      assert.match(call.error.stack, /\[secret:API_TOKEN\]/);
      assertRedacted(haystack);
      if (dialect !== 'sqlite') {
        assert.ok(
          notifications.some((n) => n.includes(MARK)),
          'cross-process events carry the marker',
        );
      }
    });

    it('redacts the value when it comes back in a response body; downstream nodes and outputs see the recorded value', async () => {
      const { doc, haystack } = await runAndCollect({
        name: `redact-echo-${dialect}`,
        nodes: [
          httpNode('call', `${upstream.url}/echo`),
          { id: 'next', type: 'tool', config: { tool: 'core.echo', input: { seen: '{{ nodes.call.output.body.auth }}' } } },
        ],
        edges: [{ from: 'call', to: 'next' }],
        outputs: { auth: '{{ nodes.call.output.body.auth }}', seen: '{{ nodes.next.output.seen }}' },
      });
      assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
      assert.deepEqual(doc.outputs, { auth: `Bearer ${MARK}`, seen: `Bearer ${MARK}` });
      assertRedacted(haystack);
      assert.ok(
        logLines.some((l) => l.includes('http.request') && l.includes(`?token=${MARK}`)),
        'the tool logged the (redacted) URL',
      );
    });

    it('redacts what a sandboxed code transform returns when a templated field passed the secret in', async () => {
      const { doc, haystack } = await runAndCollect({
        name: `redact-code-${dialect}`,
        nodes: [
          {
            id: 'code',
            type: 'adapter',
            config: {
              transform: 'code',
              input: { token: '{{ secrets.API_TOKEN }}' },
              code: 'return { leaked: "x" + input.token + "y", sawSecrets: typeof secrets }',
            },
          },
        ],
        outputs: { out: '{{ nodes.code.output }}' },
      });
      assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
      assert.deepEqual(doc.outputs.out, { leaked: `x${MARK}y`, sawSecrets: 'undefined' });
      assertRedacted(haystack);
    });

    it("redacts a used secret's value where an API caller passed it as an input: the inputs, what nodes saw, the outputs", async () => {
      const { doc, haystack } = await runAndCollect(
        {
          name: `redact-inputs-${dialect}`,
          nodes: [
            {
              id: 'mirror',
              type: 'tool',
              config: { tool: 'core.echo', input: { token: '{{ inputs.token }}', basic: '{{ inputs.basic }}' } },
            },
            httpNode('call', `${upstream.url}/echo`),
          ],
          outputs: { token: '{{ inputs.token }}', mirrored: '{{ nodes.mirror.output.token }}' },
        },
        { token: VALUE, basic: Buffer.from(`Bearer ${VALUE}`).toString('base64') },
      );
      assert.equal(doc.status, 'succeeded', JSON.stringify(doc.error));
      assert.equal(doc.inputs.token, MARK);
      assert.deepEqual(doc.outputs, { token: MARK, mirrored: MARK });
      assertRedacted(haystack);
    });
  });
}
