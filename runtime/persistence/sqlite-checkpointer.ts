import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../../core/services/logger';
import type { CheckpointStats, CheckpointWorkerData } from './sqlite-checkpoint.worker';

/** How long close() waits for the thread to close its connection before terminating it. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Keeps WAL checkpoints off the event loop: a worker thread with its own connection to the
 * database file checkpoints every `intervalMs`, so the write connection's commits restart a
 * short WAL instead of reaching the automatic checkpoint threshold and copying thousands of
 * pages inside a commit. That threshold stays as a safety net should the thread stop.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private exited = false;

  constructor(file: string, intervalMs: number, logger: Logger = silentLogger) {
    const data: CheckpointWorkerData = { driverPath: betterSqlitePath(), file, intervalMs };
    this.worker = new Worker(join(__dirname, 'sqlite-checkpoint.worker.js'), { workerData: data });
    this.worker.unref();
    this.worker.on('error', (err) => logger.warn({ err: err.message }, 'the SQLite checkpoint thread failed; commits checkpoint on their own'));
    this.worker.on('exit', () => (this.exited = true));
  }

  /** What the thread has done so far (tests and diagnostics). */
  stats(): Promise<CheckpointStats> {
    if (this.exited) return Promise.reject(new Error('the checkpoint thread has exited'));
    return new Promise((resolve) => {
      const onMessage = (m: { stats?: CheckpointStats }) => {
        if (!m.stats) return;
        this.worker.off('message', onMessage);
        resolve(m.stats);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage('stats');
    });
  }

  /** Closes the thread's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** The better-sqlite3 module knex loads for this dialect (resolved from knex's own location). */
function betterSqlitePath(): string {
  try {
    return require.resolve('better-sqlite3', { paths: [dirname(require.resolve('knex'))] });
  } catch {
    return require.resolve('better-sqlite3');
  }
}
