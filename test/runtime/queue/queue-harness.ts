import { bind, type Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import { systemClock } from '../../../core/services/clock';
import { silentLogger } from '../../../core/services/logger';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence, type Persistence } from '../../../runtime/persistence/persistence';
import type { SqlExecutionStore } from '../../../runtime/persistence/sql-execution-store';
import { PgBossExecutionQueue, type PgBossQueueOptions } from '../../../runtime/queue/pg-boss-queue';
import { QueueWorker } from '../../../runtime/queue/queue-worker';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin, type TestHandler } from '../../support/test-plugin';

/** One simulated `weft worker` process: its own kernel (executor), pg-boss connection and worker loop, on shared stores. */
export interface WorkerProcess {
  kernel: Kernel;
  /** Its own execution store (own owner identity and claims), as a separate process has. */
  store: SqlExecutionStore;
  queue: PgBossExecutionQueue;
  worker: QueueWorker;
  /** What a crash looks like to everyone else: claims stop being renewed, nothing more is written. */
  kill(): Promise<void>;
  /** SIGTERM: stop claiming, interrupt running executions at node boundaries, hand their jobs back. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export interface WorkerProcessOptions {
  url: string;
  handlers: Record<string, TestHandler>;
  concurrency?: number;
  queue?: Partial<PgBossQueueOptions>;
}

/** Short leases so failover is quick in tests (defaults: 5 s lease, 1 s lapse check). */
export const TEST_QUEUE_TUNING = { leaseSeconds: 2, maintenanceIntervalSeconds: 1 };

/** Opens the PostgreSQL stores at `url` the way a weft process does (migrated, own owner identity). */
export function openPgPersistence(url: string): Promise<Persistence> {
  return openPersistence(loadConfig({ DATABASE_URL: url, WEFT_DATA_DIR: tmpdir() }), undefined, { cancelPollMs: 50 });
}

export async function workerProcess(o: WorkerProcessOptions): Promise<WorkerProcess> {
  const persistence = await openPgPersistence(o.url);
  const store = persistence.executionStore;
  const kernel = startTestKernel({ plugins: [createTestPlugin(o.handlers)], overrides: [bind(Tokens.ExecutionStore, () => store)] });
  const queue = new PgBossExecutionQueue({
    connectionString: o.url,
    executionStore: store,
    clock: systemClock,
    logger: silentLogger,
    validator: kernel.validator,
    ...TEST_QUEUE_TUNING,
    ...o.queue,
  });
  const worker = new QueueWorker({
    queue,
    executor: kernel.executor,
    executionStore: store,
    workflowStore: persistence.workflowStore,
    clock: systemClock,
    logger: silentLogger,
    concurrency: o.concurrency ?? 2,
    pollIntervalMs: 50,
  });
  let closed = false;
  return {
    kernel,
    store,
    queue,
    worker,
    async kill() {
      if (closed) return;
      closed = true;
      await worker.abandon();
      // the in-process run is interrupted without recording anything, as if the process had vanished
      await kernel.executor.drain(0);
      await queue.stop();
      await kernel.stop();
      await persistence.close();
    },
    async shutdown(deadlineMs = 0) {
      if (closed) return;
      closed = true;
      await Promise.all([worker.stop(), kernel.executor.drain(deadlineMs)]);
      await queue.stop();
      await kernel.stop();
      await persistence.close();
    },
  };
}

/** Resolves when `signal` aborts (handlers that honour cancellation). */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
