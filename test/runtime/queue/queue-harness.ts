import { bind, type Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import { systemClock } from '../../../core/services/clock';
import { silentLogger } from '../../../core/services/logger';
import type { ExecutionStore } from '../../../core/store/execution-store';
import type { WorkflowStore } from '../../../core/store/workflow-store';
import { PgBossExecutionQueue, type PgBossQueueOptions } from '../../../runtime/queue/pg-boss-queue';
import { QueueWorker } from '../../../runtime/queue/queue-worker';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin, type TestHandler } from '../../support/test-plugin';

/** One simulated `weft worker` process: its own kernel (executor), pg-boss connection and worker loop, on shared stores. */
export interface WorkerProcess {
  kernel: Kernel;
  queue: PgBossExecutionQueue;
  worker: QueueWorker;
  /** What a crash looks like to everyone else: claims stop being renewed, nothing more is written. */
  kill(): Promise<void>;
  /** SIGTERM: stop claiming, interrupt running executions at node boundaries, hand their jobs back. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export interface WorkerProcessOptions {
  url: string;
  executions: ExecutionStore;
  workflows: WorkflowStore;
  handlers: Record<string, TestHandler>;
  concurrency?: number;
  queue?: Partial<PgBossQueueOptions>;
}

/** Short leases so failover takes seconds in tests (production: 60 s lease, 15 s maintenance). */
export const TEST_QUEUE_TUNING = { leaseSeconds: 2, maintenanceIntervalSeconds: 1 };

export function workerProcess(o: WorkerProcessOptions): WorkerProcess {
  const kernel = startTestKernel({ plugins: [createTestPlugin(o.handlers)], overrides: [bind(Tokens.ExecutionStore, () => o.executions)] });
  const queue = new PgBossExecutionQueue({
    connectionString: o.url,
    executionStore: o.executions,
    clock: systemClock,
    logger: silentLogger,
    validator: kernel.validator,
    ...TEST_QUEUE_TUNING,
    ...o.queue,
  });
  const worker = new QueueWorker({
    queue,
    executor: kernel.executor,
    executionStore: o.executions,
    workflowStore: o.workflows,
    clock: systemClock,
    logger: silentLogger,
    concurrency: o.concurrency ?? 2,
    pollIntervalMs: 50,
  });
  let closed = false;
  return {
    kernel,
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
    },
    async shutdown(deadlineMs = 0) {
      if (closed) return;
      closed = true;
      await Promise.all([worker.stop(), kernel.executor.drain(deadlineMs)]);
      await queue.stop();
      await kernel.stop();
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

