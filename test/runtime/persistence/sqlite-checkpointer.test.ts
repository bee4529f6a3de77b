import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence, type Persistence } from '../../../runtime/persistence/persistence';
import type { SqliteBatchDriver } from '../../../runtime/persistence/sqlite-batch-driver';
import { makeTempDir, type TempDir } from '../../support/sqlite-temp';
import { nodeDone, nodeRunning, startRecord } from './execution-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SqliteCheckpointer (WAL checkpoints on a thread of their own)', () => {
  let temp: TempDir;
  const opened: Persistence[] = [];
  before(() => (temp = makeTempDir('weft-ckpt-')));
  after(async () => {
    for (const p of opened) await p.close().catch(() => undefined);
    temp.remove();
  });

  const open = async (name: string, sqliteCheckpointMs: number) => {
    const config = loadConfig({ WEFT_DATA_DIR: join(temp.dir, name) });
    const p = await openPersistence(config, undefined, { heartbeatMs: 0, sqliteCheckpointMs });
    opened.push(p);
    wal.set(p, join(config.dataDir, 'weft.sqlite-wal'));
    return p;
  };
  const wal = new Map<Persistence, string>();
  const driverOf = (p: Persistence) => (p.executionStore.writer as unknown as { driver: SqliteBatchDriver }).driver;

  /**
   * 300 small executions in bursts of 20 with pauses; returns the WAL file's size afterwards. The
   * WAL starts over at the first write after a complete checkpoint, so with the thread its size is
   * about one burst; without, nothing is checkpointed below ~10,000 pages and it holds them all.
   */
  const workload = async (p: Persistence): Promise<number> => {
    for (let i = 0; i < 300; i++) {
      const s = startRecord('wf_ckpt');
      await p.executionStore.startExecution(s);
      await p.executionStore.nodeStarted(s.id, nodeRunning('a'));
      await p.executionStore.nodeFinished(s.id, nodeDone('a'));
      await p.executionStore.finishExecution(s.id, { status: 'succeeded', outputs: { i }, error: null, finishedAt: new Date().toISOString(), durationMs: 1 });
      if (i % 20 === 19) await sleep(30);
    }
    return statSync(wal.get(p)!).size;
  };

  it('keeps the WAL short while commits go on, and loses nothing', async () => {
    const withThread = await open('with', 10);
    const without = await open('without', 0);
    assert.ok(driverOf(withThread).checkpointer, 'a checkpoint thread runs');
    assert.equal(driverOf(without).checkpointer, null);
    const walWith = await workload(withThread);
    const walWithout = await workload(without);
    const stats = await driverOf(withThread).checkpointer!.stats();
    assert.ok(stats.checkpoints > 0 && stats.framesCheckpointed > 0, JSON.stringify(stats));
    assert.equal(stats.lastError, null);
    assert.ok(walWith * 3 < walWithout, `WAL ${walWith} bytes with the thread, ${walWithout} without`);
    const rows = await withThread.executionStore.knex('workflow_execution').where({ workflow_id: 'wf_ckpt' }).select('status');
    assert.equal(rows.length, 300);
    assert.ok(rows.every((r: { status: string }) => r.status === 'succeeded'));
    assert.equal(Number((await withThread.executionStore.knex('node_execution').count({ n: '*' }))[0]!.n), 300);
  });

  it('ends its thread on close', async () => {
    const p = await open('closing', 10);
    const checkpointer = driverOf(p).checkpointer!;
    await checkpointer.stats();
    await p.close();
    await assert.rejects(checkpointer.stats(), /exited/);
  });
});
