import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../../support/sqlite-temp';
import { CRASH_NODES } from '../../support/crash-workflow-child';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence } from '../../../runtime/persistence/persistence';
import { waitFor } from '../../support/wait-for';

const CHILD = join(__dirname, '..', '..', 'support', 'crash-workflow-child.js');

function startChild(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--no-node-snapshot', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => {
    if (code) console.error(err);
  });
  return { child, lines, exited };
}

const logLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('crash recovery (SQLite, real processes)', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let running: ChildProcess | null = null;
  beforeEach(() => {
    tmp = makeTempDir('weft-crash-');
  });
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    tmp.remove();
  });

  it('resumes an execution killed with SIGKILL halfway; every completed node ran exactly once', async () => {
    const dataDir = join(tmp.dir, 'data');
    const log = join(tmp.dir, 'ran.log');
    const run = startChild(['run', dataDir, log]);
    running = run.child;
    await waitFor(() => run.lines.some((l) => l.startsWith('started ')), 'the execution to start', { timeoutMs: 20_000 });
    const id = run.lines.find((l) => l.startsWith('started '))!.slice('started '.length);
    // kill while n4 sleeps: n1..n3 done (logged and committed), n4 in flight
    await waitFor(() => logLines(log).length >= 3, 'three nodes to finish', { timeoutMs: 20_000 });
    // kill once the database holds n3's end (the record, not a guess at how long its commit takes);
    // n4 starts as n3 ends and sleeps 300 ms, so the kill lands while it is in flight
    const watch = await openPersistence(loadConfig({ WEFT_DATA_DIR: dataDir }), undefined, { heartbeatMs: 0 });
    try {
      await waitFor(
        async () => {
          const nodes = (await watch.executionStore.getExecution(id))?.nodes ?? [];
          return nodes.some((n) => n.nodeId === 'n3' && n.status === 'succeeded') || undefined;
        },
        'n3 recorded succeeded',
        { timeoutMs: 20_000 },
      );
    } finally {
      await watch.close();
    }
    run.child.kill('SIGKILL');
    assert.equal(await run.exited, null, 'killed by a signal');
    const before = logLines(log);
    assert.ok(before.length >= 3 && before.length < CRASH_NODES.length, `killed halfway (ran ${before.join(',')})`);

    // what the dead process left: its finished nodes, durably; the execution still running
    const p = await openPersistence(loadConfig({ WEFT_DATA_DIR: dataDir }), undefined, { heartbeatMs: 0 });
    const left = (await p.executionStore.getExecution(id))!;
    await p.close();
    assert.equal(left.status, 'running');
    const finished = left.nodes.filter((n) => n.status === 'succeeded').map((n) => n.nodeId);
    assert.deepEqual(finished, before, 'every logged node is recorded as succeeded');

    // a new process recovers and finishes it
    const rec = startChild(['recover', dataDir]);
    running = rec.child;
    assert.equal(await rec.exited, 0);
    const line = rec.lines.find((l) => l.startsWith('recovered '))!;
    const report = JSON.parse(line.slice('recovered '.length)) as { resumed: Array<{ id: string; status: string }>; interrupted: string[] };
    assert.deepEqual(report, { resumed: [{ id, status: 'succeeded' }], interrupted: [] });

    assert.deepEqual(logLines(log), CRASH_NODES, 'each node ran exactly once, in order');
    const q = await openPersistence(loadConfig({ WEFT_DATA_DIR: dataDir }), undefined, { heartbeatMs: 0 });
    try {
      const doc = (await q.executionStore.getExecution(id))!;
      assert.equal(doc.status, 'succeeded');
      assert.deepEqual(doc.outputs, { last: { done: 'n6' } });
      assert.deepEqual(
        doc.nodes.map((n) => [n.nodeId, n.status, n.attempts]),
        CRASH_NODES.map((n) => [n, 'succeeded', 1]),
      );
    } finally {
      await q.close();
    }
  });
});
