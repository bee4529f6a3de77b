import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { ValidationError } from '../../../core/errors/weft-error';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WeftPlugin } from '../../../core/plugin/plugin';

describe('workflow validation', () => {
  let kernel: Kernel;
  before(() => (kernel = startTestKernel({ plugins: [createTestPlugin({ ok: () => 1 })] })));
  after(() => kernel.stop());

  const issuesOf = (def: unknown) => {
    const r = kernel.validator.validate(def);
    assert.equal(r.ok, false, 'expected the workflow to be invalid');
    return (r as { issues: Array<{ path: string; message: string }> }).issues;
  };
  const has = (issues: Array<{ path: string; message: string }>, path: string, re: RegExp) =>
    assert.ok(
      issues.some((i) => i.path === path && re.test(i.message)),
      `no issue at ${path} matching ${re}: ${JSON.stringify(issues)}`,
    );

  it('names the cycle as a path', () => {
    const issues = issuesOf({
      name: 'c',
      nodes: ['a', 'b', 'c', 'd'].map((id) => ({ id, type: 'noop' })),
      edges: [
        { from: 'd', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ],
    });
    has(issues, 'edges', /cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
  });

  it('reports every problem at once with its location', () => {
    const issues = issuesOf({
      name: 'many',
      nodes: [
        { id: 'a', type: 'noop' },
        { id: 'a', type: 'noop' },
        { id: 'x', type: 'nope' },
        { id: 'f', type: 'fn', config: { fn: 'missing' } },
        { id: 'g', type: 'fn', config: { wrong: 1 } },
        { id: 'h', type: 'noop', fallback: 'ghost' },
        { id: 't', type: 'noop', config: { input: 'broken {{ variables.x' } },
        { id: 's', type: 'noop' },
      ],
      edges: [
        { from: 'a', to: 'zzz' },
        { from: 's', to: 's' },
        { from: 'qq', to: 'a' },
      ],
    });
    has(issues, 'nodes[1].id', /duplicate node id "a"/);
    has(issues, 'nodes[2].type', /unknown node type "nope"/);
    has(issues, 'nodes[3].config.fn', /no handler "missing"/);
    has(issues, 'nodes[4].config.wrong', /not allowed/);
    has(issues, 'nodes[4].config.fn', /required/);
    has(issues, 'nodes[5].fallback', /fallback node "ghost" does not exist/);
    has(issues, 'nodes[6].config.input', /unclosed "\{\{"/);
    has(issues, 'edges[0].to', /unknown node "zzz"/);
    has(issues, 'edges[1]', /self-loop on node "s"/);
    has(issues, 'edges[2].from', /unknown node "qq"/);
    assert.ok(issues.length >= 10);
  });

  it('rejects unknown top-level keys and bad settings', () => {
    const issues = issuesOf({
      name: 'k',
      nodes: [{ id: 'a', type: 'noop' }],
      extra: 1,
      settings: { maxParallel: 0, onNodeFailure: 'explode' },
    });
    has(issues, 'extra', /unknown key/);
    has(issues, 'settings.maxParallel', />= 1/);
    assert.ok(issues.some((i) => i.path === 'settings.onNodeFailure'));
  });

  it('rejects fallback targets that are DAG members, shared, self, or chained', () => {
    const issues = issuesOf({
      name: 'fb',
      nodes: [
        { id: 'a', type: 'noop', fallback: 'b' },
        { id: 'b', type: 'noop' },
        { id: 'c', type: 'noop', fallback: 'c' },
        { id: 'd', type: 'noop', fallback: 'e' },
        { id: 'e', type: 'noop', fallback: 'b' },
        { id: 'g', type: 'noop', fallback: 'e' },
      ],
      edges: [{ from: 'a', to: 'b' }],
    });
    has(issues, 'edges[0].to', /fallback node/);
    has(issues, 'nodes[2].fallback', /own fallback/);
    has(issues, 'nodes[5].fallback', /already serves/);
    has(issues, 'nodes[4].fallback', /cannot have a fallback of its own/);
  });

  it('checks template references, branch labels and limits', () => {
    const issues = issuesOf({
      name: 'refs',
      nodes: [
        { id: 'a', type: 'noop', config: { input: '{{ nodes.ghost.output }}' } },
        { id: 'b', type: 'noop', config: { input: '{{ nodes.a.secret }}' }, limits: { cpuMs: 10 } },
        { id: 'br', type: 'branch', config: { input: 'x', labels: ['x', 'y'] } },
        { id: 'c', type: 'noop' },
        { id: 'd', type: 'noop' },
      ],
      edges: [
        { from: 'br', to: 'c', branch: 'z' },
        { from: 'a', to: 'd', branch: 'true' },
      ],
      outputs: { o: '{{ nodes.nobody.output }}' },
    });
    has(issues, 'nodes[0].config', /unknown node "ghost"/);
    has(issues, 'nodes[1].config', /only "output" and "error"/);
    has(issues, 'nodes[1].limits', /does not run sandboxed code/);
    has(issues, 'edges[0].branch', /no branch "z"/);
    has(issues, 'edges[1].branch', /does not select branches/);
    has(issues, 'outputs', /unknown node "nobody"/);
  });

  it('assertValid throws a ValidationError carrying every issue', () => {
    assert.throws(
      () =>
        kernel.validator.assertValid({
          name: 'x',
          nodes: [
            { id: 'a', type: 'nope' },
            { id: 'b', type: 'nope' },
          ],
        }),
      (e: unknown) => e instanceof ValidationError && Array.isArray(e.details) && (e.details as unknown[]).length === 2,
    );
    assert.throws(() => kernel.validator.assertValid('not an object'), ValidationError);
    assert.throws(() => kernel.validator.assertValid({ name: 'x', nodes: [] }), ValidationError);
  });

  it('validates and runs a 100k-node chain and a 100k-node graph without stack overflow', async function () {
    this.timeout(120_000);
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type: 'noop' }));
    const chain = {
      name: 'chain',
      settings: { maxParallel: 10 },
      nodes,
      edges: nodes.slice(1).map((x, i) => ({ from: `n${i}`, to: x.id })),
    };
    const r = kernel.validator.validate(chain);
    assert.equal(r.ok, true);
    const doc = await kernel.executor.run(chain);
    assert.equal(doc.status, 'succeeded');
    assert.equal(doc.nodes.length, n);
    // a 100k-deep cycle is found iteratively too
    const cyclic = { ...chain, edges: [...chain.edges, { from: `n${n - 1}`, to: 'n0' }] };
    const c = kernel.validator.validate(cyclic);
    assert.equal(c.ok, false);
    assert.match((c as { issues: Array<{ message: string }> }).issues[0]!.message, /^cycle: n0 → n1 → .* → n99999 → n0$/);
    // a 100k wide graph: fan-out then fan-in
    const wide = {
      name: 'wide',
      nodes: [...nodes, { id: 'root', type: 'noop' }, { id: 'sink', type: 'noop' }],
      edges: nodes.flatMap((x) => [
        { from: 'root', to: x.id },
        { from: x.id, to: 'sink' },
      ]),
    };
    const w = await kernel.executor.run(wide);
    assert.equal(w.status, 'succeeded');
    assert.equal(w.nodes.length, n + 2);
  });
});

describe('workflow validation: sandbox ceilings', () => {
  const sandboxed: WeftPlugin = {
    id: 'test.sandboxed',
    version: '1.0.0',
    register(reg) {
      reg.addNodeType({ type: 'boxed', sandboxed: true, configSchema: { type: 'object' }, create: () => ({ execute: async () => null }) });
    },
  };
  it('makes a node `limits` above a WEFT_SANDBOX_MAX_* ceiling a problem at that path (defaults 10 s, 60 s, 512 MB, 64 MiB)', async () => {
    const kernel = startTestKernel({ plugins: [sandboxed] });
    try {
      const r = kernel.validator.validate({
        name: 'greedy',
        nodes: [
          { id: 'ok', type: 'boxed', limits: { cpuMs: 10_000, wallMs: 60_000, memoryMb: 512, outputBytes: 64 * 1024 * 1024 } },
          { id: 'big', type: 'boxed', limits: { cpuMs: 600_000, wallMs: 60_001, memoryMb: 4096, outputBytes: 64 * 1024 * 1024 + 1 } },
        ],
      });
      assert.equal(r.ok, false);
      const issues = (r as { issues: Array<{ path: string; message: string }> }).issues;
      assert.deepEqual(issues.map((i) => i.path).sort(), [
        'nodes[1].limits.cpuMs',
        'nodes[1].limits.memoryMb',
        'nodes[1].limits.outputBytes',
        'nodes[1].limits.wallMs',
      ]);
      assert.match(
        issues.find((i) => i.path === 'nodes[1].limits.cpuMs')!.message,
        /600000 is above this server's ceiling of 10000 \(WEFT_SANDBOX_MAX_CPU_MS\)/,
      );
    } finally {
      await kernel.stop();
    }
  });
});
