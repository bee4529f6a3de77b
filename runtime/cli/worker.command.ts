import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliCommand } from './cli-command';
import { shutdownOnSignal } from './shutdown-on-signal';
import { Tokens } from '../../core/di/tokens';
import { loadConfig, type WeftConfig } from '../config/weft-config';
import { buildRuntime } from '../composition/build-runtime';
import { createExecutionQueue } from '../queue/queue.bindings';
import { createSlotAdmitter } from '../concurrency/concurrency.bindings';
import { QueueWorker, type ClaimingExecutionStore } from '../queue/queue-worker';
import { queueWakeHandler } from '../waits/wake-handlers';

/** Longest a stuck handle may keep the process alive once shutdown is done. */
const EXIT_GRACE_MS = 5_000;

interface WorkerOptions {
  concurrency: number;
  leaseSeconds?: number;
  healthFile?: string;
}

/** How often `--health-file` is rewritten. */
const HEALTH_EVERY_MS = 5_000;

/**
 * `weft worker [--concurrency N] [--lease-seconds S]`: executes queued executions from
 * PostgreSQL (`DATABASE_URL`), beside any number of other workers on any number of machines.
 * A worker that dies stops renewing its claims; after the lease (`WEFT_QUEUE_LEASE_SECONDS`,
 * default 5) and the next check for lapsed claims (`WEFT_QUEUE_LAPSE_CHECK_SECONDS`, default 1)
 * another worker resumes those executions from their persisted node results. SIGTERM/SIGINT: stop claiming, let running
 * nodes finish up to `WEFT_SHUTDOWN_DEADLINE_MS`, hand unfinished executions back to the queue.
 */
export const workerCommand: CliCommand = {
  register(program: Command) {
    program
      .command('worker')
      .description('execute queued workflow executions from PostgreSQL (DATABASE_URL)')
      .option('-c, --concurrency <n>', 'executions run at once', positiveInt('--concurrency'), 4)
      .option(
        '--lease-seconds <s>',
        'claim lease: how long a dead worker holds its executions (default WEFT_QUEUE_LEASE_SECONDS, 5)',
        positiveInt('--lease-seconds'),
      )
      .option('--health-file <path>', 'keep writing the time of the last claim-loop pass (epoch ms) to this file, for liveness probes')
      .action(async (opts: WorkerOptions) => {
        process.exitCode = await work(opts);
        setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
      });
  },
};

async function work(opts: WorkerOptions): Promise<number> {
  let config: WeftConfig;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`weft worker: ${(err as Error).message}\n`);
    return 2;
  }
  if (!config.databaseUrl) {
    process.stderr.write('weft worker: workers share work through PostgreSQL: set DATABASE_URL=postgres://...\n');
    return 2;
  }
  const runtime = await buildRuntime(config);
  const log = runtime.logger.child({ component: 'worker' });
  const { kernel } = runtime;
  const queue = createExecutionQueue(config, kernel, opts.leaseSeconds ? { leaseSeconds: opts.leaseSeconds } : {});
  const store = kernel.get(Tokens.ExecutionStore) as Partial<ClaimingExecutionStore>;
  if (typeof store.claimExecution !== 'function') {
    process.stderr.write('weft worker: the execution store cannot fence claims (PostgreSQL expected)\n');
    await runtime.close().catch(() => undefined);
    return 2;
  }
  const worker = new QueueWorker({
    queue,
    executor: kernel.executor,
    executionStore: store as ClaimingExecutionStore,
    workflowStore: kernel.get(Tokens.WorkflowStore),
    clock: kernel.get(Tokens.Clock),
    logger: runtime.logger,
    concurrency: opts.concurrency,
  });
  try {
    await worker.start();
  } catch (err) {
    log.error({ err }, 'startup failed');
    process.stderr.write(`weft worker: ${(err as Error).message}\n`);
    await queue.stop().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    return 1;
  }
  // due timers and signals wake parked executions into the queue, whichever process notices first
  runtime.startWaits(queueWakeHandler(queue));
  // executions ending here free concurrency slots: their group's next are queued from here too
  const admitter = createSlotAdmitter(kernel, queue);
  process.stdout.write(`weft worker started (pid ${process.pid}, concurrency ${opts.concurrency})\n`);
  // A container has no port to probe on a worker: the probe reads how recently the claim loop ran.
  const health = opts.healthFile ? setInterval(() => void writeHealth(opts.healthFile!, worker.lastPollAt), HEALTH_EVERY_MS) : null;
  health?.unref();
  if (opts.healthFile) await writeHealth(opts.healthFile, worker.lastPollAt);

  return shutdownOnSignal(log, config.shutdownDeadlineMs, async () => {
    if (health) clearInterval(health);
    admitter?.close();
    await runtime.waits?.stop();
    // stop claiming; interrupted executions go back to the queue for another worker
    await Promise.all([worker.stop(), kernel.executor.drain(config.shutdownDeadlineMs)]);
    await queue.stop();
    await runtime.close();
  });
}

async function writeHealth(file: string, lastPollAt: number): Promise<void> {
  await writeFile(file, `${lastPollAt}\n`).catch(() => undefined);
}

function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
      throw new InvalidArgumentError(`${flag} must be a positive integer (got "${value}")`);
    return Number(value);
  };
}
