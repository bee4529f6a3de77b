import assert from 'node:assert/strict';
import { Tokens, bind, DEFAULT_KERNEL_SETTINGS, ErrorCodes, type Kernel, type NodeStatusEvent, type ValidationIssue } from '../../../core';
import { mapPlugin } from '../../../plugins/map/index';
import { toolPlugin } from '../../../plugins/tool/index';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin, type TestHandler } from '../../support/test-plugin';
import { FlakyServer } from '../../support/flaky-server';

/** A workflow with one map node over `inputs.list` running `fn` handler `fn` per item. */
function mapWorkflow(map: Record<string, unknown>, fn = 'work'): object {
  return {
    name: 'fan-out',
    nodes: [
      {
        id: 'fan',
        type: 'map',
        config: {
          items: '{{ inputs.list }}',
          node: { type: 'fn', config: { fn, input: { item: '{{ item }}', index: '{{ index }}' } } },
          ...map,
        },
      },
    ],
    outputs: { result: '{{ nodes.fan.output }}' },
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const waitFor = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => (clearTimeout(t), reject(signal.reason));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

describe('map node type', () => {
  let kernel: Kernel;
  let handlers: Record<string, TestHandler>;
  const start = (settings = {}) => {
    kernel = startTestKernel({
      plugins: [
        mapPlugin,
        toolPlugin,
        createTestPlugin(new Proxy({}, { get: (_t, k: string) => handlers[k], has: (_t, k: string) => k in handlers })),
      ],
      overrides: [bind(Tokens.KernelSettings, () => ({ ...DEFAULT_KERNEL_SETTINGS, ...settings }))],
    });
    return kernel;
  };
  beforeEach(() => {
    handlers = {};
  });
  afterEach(async () => {
    await kernel?.stop();
  });

  it('returns the results in item order whatever order the items finish in', async () => {
    const finished: number[] = [];
    handlers.work = async (input: { item: number; index: number }, ctx) => {
      await waitFor((8 - input.index) * 15, ctx.signal);
      finished.push(input.index);
      return input.item * 10;
    };
    const doc = await start().executor.run(mapWorkflow({ concurrency: 8 }), { inputs: { list: range(8) } });
    assert.equal(doc.status, 'succeeded');
    assert.deepEqual(finished, [7, 6, 5, 4, 3, 2, 1, 0], 'the last item finished first');
    assert.deepEqual(doc.outputs!.result, { items: [0, 10, 20, 30, 40, 50, 60, 70], failed: [] });
  });

  it('runs at most `concurrency` items at once (peak measured by the items)', async () => {
    let inFlight = 0;
    let peak = 0;
    handlers.work = async (_input, ctx) => {
      peak = Math.max(peak, ++inFlight);
      await waitFor(5, ctx.signal);
      inFlight--;
      return null;
    };
    const doc = await start().executor.run(mapWorkflow({ concurrency: 4 }), { inputs: { list: range(40) } });
    assert.equal(doc.status, 'succeeded');
    assert.equal(peak, 4);
    const dflt = await kernel.executor.run(mapWorkflow({}), { inputs: { list: range(40) } });
    assert.equal(dflt.status, 'succeeded');
    assert.equal(peak, 10, 'the default concurrency is 10');
  });

  it('with onItemFailure "fail", the first failed item cancels the others and fails the node with its error', async () => {
    let started = 0;
    let aborted = 0;
    handlers.work = async (input: { index: number }, ctx) => {
      started++;
      if (input.index === 3) {
        await waitFor(20, ctx.signal);
        throw new Error('item three is bad');
      }
      try {
        await waitFor(60_000, ctx.signal);
      } catch (err) {
        aborted++;
        throw err;
      }
    };
    const doc = await start().executor.run(mapWorkflow({ concurrency: 5 }), { inputs: { list: range(50) } });
    assert.equal(doc.status, 'failed');
    const node = doc.nodes.find((n) => n.nodeId === 'fan')!;
    assert.equal(node.status, 'failed');
    assert.equal(node.output, null);
    assert.equal(node.error!.type, 'NodeExecutionError');
    assert.match(node.error!.message, /item 3 failed: item three is bad/);
    assert.deepEqual(node.error!.details, { index: 3 });
    assert.equal(started, 5, 'no item started after the failure');
    assert.equal(aborted, 4, 'the items in flight were cancelled');
  });

  it('with onItemFailure "continue", failed items leave null and an entry in `failed`; the node succeeds', async () => {
    handlers.work = async (input: { index: number }) => {
      if (input.index % 3 === 1) throw new Error(`no ${input.index}`);
      return input.index;
    };
    const doc = await start().executor.run(mapWorkflow({ onItemFailure: 'continue' }), { inputs: { list: range(7) } });
    assert.equal(doc.status, 'succeeded');
    const out = doc.outputs!.result as { items: unknown[]; failed: Array<{ index: number; error: { message: string; type: string } }> };
    assert.deepEqual(out.items, [0, null, 2, 3, null, 5, 6]);
    assert.deepEqual(
      out.failed.map((f) => [f.index, f.error.type, f.error.message]),
      [
        [1, 'Error', 'no 1'],
        [4, 'Error', 'no 4'],
      ],
    );
  });

  it('retries each item with the inline template’s retry policy (flaky local server)', async () => {
    const server = await FlakyServer.start({ failures: 2, body: { fine: true } });
    try {
      const def = {
        name: 'fetch-each',
        nodes: [
          {
            id: 'fan',
            type: 'map',
            config: {
              items: '{{ inputs.list }}',
              concurrency: 1,
              node: {
                type: 'tool',
                config: { tool: 'http.request', input: { url: `${server.url}/items/{{ item }}` } },
                retry: { maxAttempts: 3, initialDelayMs: 5 },
              },
            },
          },
        ],
        outputs: { statuses: '{{ nodes.fan.output }}' },
      };
      const doc = await start().executor.run(def, { inputs: { list: ['a', 'b', 'c'] } });
      assert.equal(doc.status, 'succeeded', JSON.stringify(doc.nodes[0]!.error));
      const out = doc.outputs!.statuses as { items: Array<{ status: number; body: unknown }> };
      assert.deepEqual(
        out.items.map((i) => [i.status, i.body]),
        [
          [200, { fine: true }],
          [200, { fine: true }],
          [200, { fine: true }],
        ],
      );
      assert.deepEqual(
        server.requests.map((r) => r.url),
        ['/items/a', '/items/a', '/items/a', '/items/b', '/items/c'],
      );
    } finally {
      await server.close();
    }
  });

  it('fails the node with WF_MAP_ITEMS_NOT_ARRAY when items is not an array', async () => {
    handlers.work = () => assert.fail('no item runs');
    const doc = await start().executor.run(mapWorkflow({}), { inputs: { list: { a: 1 } } });
    const node = doc.nodes[0]!;
    assert.equal(node.status, 'failed');
    assert.equal(node.error!.code, ErrorCodes.WF_MAP_ITEMS_NOT_ARRAY);
    assert.equal(node.error!.message, 'node "fan": items must be an array, got object');
  });

  it('fails a map over 10 million items with WF_MAP_TOO_MANY_ITEMS before running any', async function () {
    this.timeout(30_000);
    let ran = 0;
    handlers.work = () => ran++;
    handlers.huge = () => new Array(10_000_000).fill(0);
    const def = {
      name: 'huge',
      nodes: [
        { id: 'make', type: 'fn', config: { fn: 'huge' } },
        { id: 'fan', type: 'map', config: { items: '{{ nodes.make.output }}', node: { type: 'fn', config: { fn: 'work' } } } },
      ],
      edges: [{ from: 'make', to: 'fan' }],
    };
    const doc = await start({ maxOutputBytes: 64 * 1024 * 1024 }).executor.run(def);
    const node = doc.nodes[1]!;
    assert.equal(node.status, 'failed');
    assert.equal(node.error!.code, ErrorCodes.WF_MAP_TOO_MANY_ITEMS);
    assert.deepEqual(node.error!.details, { nodeId: 'fan', count: 10_000_000, max: 100_000 });
    assert.equal(ran, 0);
    const small = await start({ mapMaxItems: 3 }).executor.run(mapWorkflow({}), { inputs: { list: range(4) } });
    assert.equal(small.nodes[0]!.error!.code, ErrorCodes.WF_MAP_TOO_MANY_ITEMS, 'the limit comes from the settings');
  });

  it('maps 100,000 items of core.echo', async function () {
    this.timeout(60_000);
    const def = {
      name: 'echo-many',
      nodes: [
        {
          id: 'fan',
          type: 'map',
          config: {
            items: '{{ inputs.list }}',
            concurrency: 100,
            node: { type: 'tool', config: { tool: 'core.echo', input: { n: '{{ item }}', at: '{{ index }}' } } },
          },
        },
      ],
    };
    const doc = await start().executor.run(def, { inputs: { list: range(100_000) } });
    assert.equal(doc.status, 'succeeded');
    const out = doc.nodes[0]!.output as { items: Array<{ n: number; at: number }>; failed: unknown[] };
    assert.equal(out.items.length, 100_000);
    assert.ok(out.items.every((v, i) => v.n === i && v.at === i));
    assert.deepEqual(out.failed, []);
  });

  it('publishes progress as running node events, at least 250 ms apart', async () => {
    handlers.work = async (_input, ctx) => waitFor(40, ctx.signal);
    start();
    const progress: NodeStatusEvent[] = [];
    const off = kernel.get(Tokens.EventBus).subscribe((e) => {
      if (e.kind === 'node' && e.progress) progress.push(e);
    });
    const doc = await kernel.executor.run(mapWorkflow({ concurrency: 2 }), { inputs: { list: range(30) } });
    off();
    assert.equal(doc.status, 'succeeded');
    assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
    assert.deepEqual(progress[0]!.progress, { done: 0, failed: 0, total: 30 });
    for (const e of progress) assert.equal(e.status, 'running');
    const last = progress.at(-1)!.progress!;
    assert.ok(last.done > 0 && last.done <= 30 && last.total === 30);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(Date.parse(progress[i]!.at) - Date.parse(progress[i - 1]!.at) >= 250, 'at most one progress event per 250 ms');
    }
  });

  describe('validation at save time', () => {
    const issuesOf = (config: Record<string, unknown>): ValidationIssue[] => {
      const r = start().validator.validate({
        name: 'v',
        nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', ...config } }],
      });
      return r.ok ? [] : r.issues;
    };
    const paths = (issues: ValidationIssue[]) => issues.map((i) => i.path);

    it('checks the inline node against its type’s schema, with item and index allowed in its templates', () => {
      handlers.work = () => null;
      assert.deepEqual(issuesOf({ node: { type: 'tool', config: { tool: 'core.echo', input: '{{ item.name }} #{{ index }}' } } }), []);
      assert.deepEqual(paths(issuesOf({ node: { type: 'tool', config: { input: 1 } } })), ['nodes[0].config.node.config.tool']);
      assert.deepEqual(paths(issuesOf({ node: { type: 'tool', config: { tool: 'no.such' } } })), ['nodes[0].config.node.config.tool']);
      const bad = issuesOf({ node: { type: 'tool', config: { tool: 'core.echo', input: '{{ items }}' } } });
      assert.deepEqual(paths(bad), ['nodes[0].config.node.config.input']);
      assert.match(bad[0]!.message, /unknown root "items"/);
    });

    it('refuses unknown, map and wait inline types, limits on a type that takes none, and a config with neither or both modes', () => {
      assert.deepEqual(paths(issuesOf({ node: { type: 'nope' } })), ['nodes[0].config.node.type']);
      assert.deepEqual(paths(issuesOf({ node: { type: 'map', config: {} } })), ['nodes[0].config.node.type']);
      assert.deepEqual(paths(issuesOf({ node: { type: 'wait', config: {} } })), ['nodes[0].config.node.type']);
      assert.deepEqual(paths(issuesOf({ node: { type: 'tool', config: { tool: 'core.echo' }, limits: { cpuMs: 5 } } })), [
        'nodes[0].config.node.limits',
      ]);
      assert.deepEqual(paths(issuesOf({})), ['nodes[0].config']);
      assert.deepEqual(paths(issuesOf({ concurrency: 1001, node: { type: 'tool', config: { tool: 'core.echo' } } })), [
        'nodes[0].config.concurrency',
      ]);
      assert.deepEqual(paths(issuesOf({ onItemFailure: 'skip', node: { type: 'tool', config: { tool: 'core.echo' } } })), [
        'nodes[0].config.onItemFailure',
      ]);
    });

    it('reports a template the map’s own items cannot render as a node error naming the path', async () => {
      handlers.work = () => null;
      const doc = await start().executor.run(mapWorkflow({}), { inputs: {} });
      assert.equal(doc.nodes[0]!.error!.code, ErrorCodes.WF_TEMPLATE_MISSING_PATH);
    });
  });
});
