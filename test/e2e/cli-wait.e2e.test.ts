import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runWeft } from '../support/run-weft';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';

/** `weft run --db` waits out its own execution's durable waits: it polls the timers itself. */
describe('weft run --db with a wait node (end to end)', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  before(() => (tmp = makeTempDir('weft-cli-wait-')));
  after(() => tmp.remove());

  it('finishes a workflow with a 1 s timer and exits 0, the execution succeeded in the database', async () => {
    const file = path.join(tmp.dir, 'timer.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'cli-timer',
        nodes: [
          { id: 'w', type: 'wait', config: { durationMs: 1000 } },
          { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { fired: '{{ nodes.w.output.firedAt }}' } } },
        ],
        edges: [{ from: 'w', to: 'after' }],
        outputs: { fired: '{{ nodes.after.output.fired }}' },
      }),
    );
    const db = path.join(tmp.dir, 'runs.sqlite');
    const r = await runWeft(['run', file, '--json', '--db', db], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, 'succeeded');
    assert.equal(doc.outputs.fired, doc.nodes.find((n: { nodeId: string }) => n.nodeId === 'w').output.firedAt);
    const p = await openPersistence({ ...loadConfig({}), dataDir: tmp.dir }, undefined, { sqliteFile: db });
    try {
      const stored = await p.executionStore.getExecution(doc.id);
      assert.equal(stored?.status, 'succeeded');
      assert.deepEqual(await p.executionStore.knex('weft_wait').where({ execution_id: doc.id }), []);
    } finally {
      await p.close();
    }
  });

  it('prints live progress through the wake and ends with the summary', async () => {
    const file = path.join(tmp.dir, 'timer2.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'cli-timer-progress',
        nodes: [
          { id: 'w', type: 'wait', config: { durationMs: 300 } },
          { id: 'after', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } },
        ],
        edges: [{ from: 'w', to: 'after' }],
      }),
    );
    const r = await runWeft(['run', file, '--db', path.join(tmp.dir, 'runs2.sqlite')], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /succeeded after/);
    assert.match(r.stdout, /status succeeded/);
  });

  it("waits out a workflow node's child that waits on a timer: the child's end wakes the parent, exit 0", async () => {
    const db = path.join(tmp.dir, 'runs3.sqlite');
    const childFile = path.join(tmp.dir, 'child.json');
    writeFileSync(
      childFile,
      JSON.stringify({
        name: 'cli-child',
        nodes: [
          { id: 'w', type: 'wait', config: { durationMs: 500 } },
          { id: 'out', type: 'tool', config: { tool: 'core.echo', input: { fired: '{{ nodes.w.output.firedAt }}' } } },
        ],
        edges: [{ from: 'w', to: 'out' }],
        outputs: { fired: '{{ nodes.out.output.fired }}' },
      }),
    );
    // saves the child as wf_cli-child for the parent to call
    const saved = await runWeft(['run', childFile, '--json', '--db', db], { timeoutMs: 30_000 });
    assert.equal(saved.code, 0, `${saved.stdout}\n${saved.stderr}`);
    const parentFile = path.join(tmp.dir, 'parent.json');
    writeFileSync(
      parentFile,
      JSON.stringify({
        name: 'cli-parent',
        nodes: [{ id: 'sub', type: 'workflow', config: { workflowId: 'wf_cli-child' } }],
        outputs: { child: '{{ nodes.sub.output }}' },
      }),
    );
    const r = await runWeft(['run', parentFile, '--json', '--db', db], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, 'succeeded');
    assert.equal(typeof doc.outputs.child.fired, 'string');
    const p = await openPersistence({ ...loadConfig({}), dataDir: tmp.dir }, undefined, { sqliteFile: db });
    try {
      const [kid] = (await p.executionStore.listChildren(doc.id, { limit: 10 })).items;
      assert.equal(kid?.status, 'succeeded');
    } finally {
      await p.close();
    }
  });
});
