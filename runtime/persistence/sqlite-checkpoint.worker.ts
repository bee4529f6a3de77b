import { parentPort, workerData } from 'node:worker_threads';

/** What the checkpoint thread starts with. */
export interface CheckpointWorkerData {
  /** The better-sqlite3 module the main connection uses. */
  driverPath: string;
  file: string;
  intervalMs: number;
}

/** Replies to `'stats'`. */
export interface CheckpointStats {
  checkpoints: number;
  framesCheckpointed: number;
  /** Checkpoints that could not copy every frame (a reader or writer was in the way). */
  partial: number;
  lastError: string | null;
}

interface Db {
  pragma(sql: string): unknown;
  close(): void;
}

/**
 * Runs SQLite's WAL checkpoints on a thread of its own. A checkpoint copies every page changed
 * since the last one into the database file and syncs it: tens of ms after a busy second, which
 * as an automatic checkpoint would stall the event loop inside some commit. PASSIVE never waits
 * for or blocks the writer; whatever a reader keeps it from copying, the next round copies.
 */
function main(): void {
  const { driverPath, file, intervalMs } = workerData as CheckpointWorkerData;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Driver = require(driverPath) as new (file: string, options: { fileMustExist: boolean }) => Db;
  const db = new Driver(file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  const stats: CheckpointStats = { checkpoints: 0, framesCheckpointed: 0, partial: 0, lastError: null };
  let lastLog = -1;
  const timer = setInterval(() => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (!r || r.log === lastLog) return;
      lastLog = r.log;
      stats.checkpoints++;
      stats.framesCheckpointed += Math.max(0, r.checkpointed);
      if (r.checkpointed < r.log) stats.partial++;
    } catch (err) {
      // SQLITE_BUSY (another checkpoint runs) or a transient I/O error: the next round retries
      stats.lastError = (err as Error).message;
    }
  }, intervalMs);
  parentPort!.on('message', (m: unknown) => {
    if (m === 'stats') parentPort!.postMessage({ stats: { ...stats } });
    else if (m === 'close') {
      clearInterval(timer);
      db.close();
      parentPort!.close();
    }
  });
}

if (parentPort && workerData) main();
