import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence, persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { startTestKernel } from '../../support/test-kernel';
import { persistenceTestPlugin } from '../../support/persistence-test-plugin';
import { makeTempDir, type TempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';
import type { Kernel } from '../../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';

function echoChain(n: number): WorkflowDefinition {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type: 'echo', config: { value: i } }));
  return { name: `chain-${n}`, nodes, edges: nodes.slice(1).map((node, i) => ({ from: nodes[i]!.id, to: node.id })) };
}

/**
 * The WAL's frame count and how many of them a checkpoint copied to the database, read from the
 * wal-index (`<file>-shm`, https://sqlite.org/walformat.html): `mxFrame` at byte 16 of its header,
 * `nBackfill` at byte 96 (after the header's two copies). Read as a file, so looking checkpoints
 * nothing (a `PRAGMA wal_checkpoint` from another connection would).
 */
function walState(file: string): { frames: number; checkpointed: number } {
  const shm = readFileSync(`${file}-shm`);
  return { frames: shm.readUInt32LE(16), checkpointed: shm.readUInt32LE(96) };
}

/**
 * SQLite checkpoints its WAL inside whichever commit crosses `wal_autocheckpoint`, a pause of tens
 * of ms between a node's finish and its downstream's start. weft runs the checkpoint when no
 * execution runs in the process instead.
 */
describe('the SQLite WAL is checkpointed between executions, not during one', function () {
  this.timeout(60_000);
  let temp: TempDir;
  let p: Persistence;
  let kernel: Kernel;
  let file: string;

  beforeEach(async () => {
    temp = makeTempDir('weft-checkpoint-');
    const config = loadConfig({ WEFT_DATA_DIR: join(temp.dir, 'db') });
    file = join(config.dataDir, 'weft.sqlite');
    p = await openPersistence(config, undefined, { heartbeatMs: 0 });
    kernel = startTestKernel({ plugins: [persistenceTestPlugin()], services: persistenceBindings(p) });
  });
  afterEach(async () => {
    await kernel?.stop();
    await p?.close();
    temp?.remove();
  });

  it('checkpoints once the last execution ends', async () => {
    assert.equal((await kernel.executor.run(echoChain(600))).status, 'succeeded');
    // the checkpoint runs in the turn after the end (once its response went out)
    await new Promise((r) => setImmediate(r));
    const wal = walState(file);
    assert.ok(wal.frames >= 600, `the WAL holds ${wal.frames} frames after 600 node commits`);
    assert.equal(wal.checkpointed, wal.frames, 'every frame is in the database');
  });

  it('does not checkpoint while another execution still runs, and does once it ends', async () => {
    const sleeper = await kernel.executor.start({
      name: 'sleeper',
      nodes: [{ id: 's', type: 'sleep', config: { ms: 60_000 } }],
      edges: [],
    });
    await waitFor(() => kernel.executor.isActive(sleeper.executionId), 'the sleeper runs');
    assert.equal((await kernel.executor.run(echoChain(600))).status, 'succeeded');
    await new Promise((r) => setImmediate(r));
    const during = walState(file);
    assert.ok(during.frames >= 600, `the WAL holds ${during.frames} frames after 600 node commits`);
    assert.ok(during.checkpointed < during.frames, 'the WAL was checkpointed with an execution running');

    sleeper.cancel();
    assert.equal((await sleeper.done).status, 'cancelled');
    await new Promise((r) => setImmediate(r));
    const after = walState(file);
    assert.equal(after.checkpointed, after.frames, 'the WAL was not checkpointed once the last execution ended');
  });

  it('still checkpoints at 10,000 pages when the process is never idle', async () => {
    const sleeper = await kernel.executor.start({
      name: 'sleeper',
      nodes: [{ id: 's', type: 'sleep', config: { ms: 60_000 } }],
      edges: [],
    });
    await waitFor(() => kernel.executor.isActive(sleeper.executionId), 'the sleeper runs');
    // ~1.7 pages per node commit: 7,000 nodes cross 10,000 pages once
    assert.equal((await kernel.executor.run(echoChain(7_000))).status, 'succeeded');
    const wal = walState(file);
    assert.ok(wal.frames < 7_000, `the WAL holds ${wal.frames} frames after 7,000 node commits: it never started over`);
    sleeper.cancel();
    await sleeper.done;
  });

  it('leaves a WAL of few commits alone (a checkpoint has fixed costs)', async () => {
    assert.equal((await kernel.executor.run(echoChain(20))).status, 'succeeded');
    await new Promise((r) => setImmediate(r));
    const wal = walState(file);
    assert.ok(wal.checkpointed < wal.frames, `all ${wal.frames} frames were checkpointed after a 20-node execution`);
  });
});
