import assert from 'node:assert/strict';
import { Tokens, ValidationError, type Kernel, type WorkflowDefinition } from '../../../core';
import { toolPlugin } from '../../../plugins/tool';
import { startTestKernel } from '../../support/test-kernel';
import { FlakyServer, type FlakyServerOptions } from '../../support/flaky-server';
import { rejectionOf } from './rejection-of';
import { waitFor } from '../../support/wait-for';

describe('tool node end to end (executor)', () => {
  let kernel: Kernel;
  const servers: FlakyServer[] = [];
  async function server(options: FlakyServerOptions): Promise<FlakyServer> {
    const s = await FlakyServer.start(options);
    servers.push(s);
    return s;
  }
  beforeEach(() => {
    kernel = startTestKernel({ plugins: [toolPlugin] });
  });
  afterEach(async () => {
    await kernel.stop();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const fetchWorkflow = (url: string, extra: Record<string, unknown> = {}): WorkflowDefinition => ({
    name: 'fetch-orders',
    variables: { baseUrl: url },
    nodes: [
      {
        id: 'fetch',
        type: 'tool',
        config: { tool: 'http.request', input: { url: '{{ variables.baseUrl }}/orders' } },
        retry: { maxAttempts: 4, initialDelayMs: 10 },
        ...extra,
      },
      { id: 'notify', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.fetch.output.body }}' } },
    ],
    edges: [{ from: 'fetch', to: 'notify' }],
    outputs: { digest: '{{ nodes.notify.output }}' },
  });

  it('retries a flaky endpoint (503 twice) and succeeds on the third attempt', async () => {
    const s = await server({ failures: 2, failStatus: 503, body: { total: 7 } });
    const doc = await kernel.executor.run(fetchWorkflow(s.url));
    assert.equal(doc.status, 'succeeded');
    const fetch = doc.nodes.find((n) => n.nodeId === 'fetch')!;
    assert.equal(fetch.status, 'succeeded');
    assert.equal(fetch.attempts, 3);
    assert.equal(s.count, 3);
    assert.deepEqual(
      fetch.attemptErrors?.map((e) => [e.type, e.code, e.message, e.attempt]),
      [1, 2].map((n) => ['TransientError', 'WF_HTTP_STATUS', `GET ${s.url}/orders returned 503`, n]),
    );
    assert.deepEqual(doc.outputs, { digest: { total: 7 } });
  });

  it('retries a 429 and a dropped connection', async () => {
    const limited = await server({ failures: 1, failStatus: 429, retryAfter: '0' });
    const d1 = await kernel.executor.run(fetchWorkflow(limited.url));
    assert.equal(d1.status, 'succeeded');
    assert.equal(d1.nodes[0]!.attempts, 2);
    const dropping = await server({ failures: 1, failMode: 'destroy' });
    const d2 = await kernel.executor.run(fetchWorkflow(dropping.url));
    assert.equal(d2.status, 'succeeded');
    assert.equal(d2.nodes[0]!.attempts, 2);
    assert.equal(d2.nodes[0]!.attemptErrors?.[0]!.code, 'WF_HTTP_NETWORK');
  });

  it('does not retry a 404: the node fails after one attempt and the execution fails', async () => {
    const s = await server({ failures: 100, failStatus: 404 });
    const doc = await kernel.executor.run(fetchWorkflow(s.url));
    assert.equal(doc.status, 'failed');
    const fetch = doc.nodes.find((n) => n.nodeId === 'fetch')!;
    assert.equal(fetch.status, 'failed');
    assert.equal(fetch.attempts, 1);
    assert.equal(fetch.error?.type, 'NodeExecutionError');
    assert.equal(fetch.error?.code, 'WF_HTTP_STATUS');
    assert.equal(fetch.error?.message, `GET ${s.url}/orders returned 404`);
    assert.equal(s.count, 1);
    assert.notEqual(doc.nodes.find((n) => n.nodeId === 'notify')?.status, 'succeeded');
  });

  it('gives up after maxAttempts on a server that keeps failing', async () => {
    const s = await server({ failures: 100, failStatus: 500 });
    const doc = await kernel.executor.run(fetchWorkflow(s.url));
    assert.equal(doc.status, 'failed');
    assert.equal(doc.nodes[0]!.attempts, 4);
    assert.equal(doc.nodes[0]!.error?.type, 'TransientError');
    assert.equal(s.count, 4);
  });

  it('rejects a workflow naming an unknown tool or a bad static input before running', async () => {
    const def = {
      name: 'bad',
      nodes: [
        { id: 'a', type: 'tool', config: { tool: 'no.such.tool' } },
        { id: 'b', type: 'tool', config: { tool: 'core.sleep', input: { ms: -5 } } },
      ],
      edges: [],
    };
    const err = await rejectionOf(kernel.executor.run(def));
    assert.ok(err instanceof ValidationError);
    const paths = (err.details as Array<{ path: string }>).map((d) => d.path);
    assert.deepEqual(paths, ['nodes[0].config.tool', 'nodes[1].config.input.ms']);
  });

  it('cancels a running core.sleep node promptly', async () => {
    const def = {
      name: 'sleepy',
      nodes: [{ id: 'nap', type: 'tool', config: { tool: 'core.sleep', input: { ms: 86_400_000 } } }],
      edges: [],
    };
    const handle = await kernel.executor.start(def);
    const store = kernel.get(Tokens.ExecutionStore);
    await waitFor(
      async () => (await store.listNodeExecutions(handle.executionId)).some((n) => n.status === 'running'),
      'the sleep node to run',
    );
    handle.cancel('test');
    const doc = await handle.done;
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.nodes[0]!.status, 'cancelled');
  });
});
