import { join } from 'node:path';
import { Piscina } from 'piscina';
import { deserializeError } from '../../core/errors/error-serializer';
import { NodeExecutionError, WeftError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import type { WorkerPool } from '../../core/services/worker-pool';
import { silentLogger, type Logger } from '../../core/services/logger';
import { abortError } from '../sandbox/abort-error';
import type { WorkerReply, WorkerTask } from './generic.worker';

export interface PiscinaWorkerPoolOptions {
  /** Most worker threads (config `workerPoolSize`). */
  size: number;
  /** Idle threads above zero end after this many ms (default 30 s). */
  idleTimeoutMs?: number;
  logger?: Logger;
}

/** Counters for tests and benchmarks. */
export interface WorkerPoolStats {
  started: boolean;
  tasks: number;
  threads: number;
  completed: number;
}

/**
 * The {@link WorkerPool} on piscina. The pool starts on first use; every task goes through
 * `generic.worker`, which runs the named export of any module and sends errors back serialised.
 */
export class PiscinaWorkerPool implements WorkerPool {
  private piscina: Piscina | null = null;
  private disposed = false;
  private tasks = 0;
  private readonly logger: Logger;

  constructor(private readonly options: PiscinaWorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new WeftError(`worker pool size must be a positive integer, got ${String(options.size)}`, { code: ErrorCodes.WF_WORKER });
    }
    this.logger = options.logger ?? silentLogger;
  }

  async run<T>(filename: string, name: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    if (this.disposed) throw new WeftError('the worker pool is disposed', { code: ErrorCodes.WF_WORKER });
    if (signal?.aborted) throw abortError(signal, 'the worker task');
    const task: WorkerTask = { filename, name, payload };
    this.tasks++;
    let reply: WorkerReply;
    try {
      reply = await this.start().run(task, { signal: signal ?? null });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal, 'the worker task');
      if (err instanceof WeftError) throw err;
      // The task could not run (payload not cloneable, worker crashed, pool destroyed, ...).
      throw new NodeExecutionError(`worker task ${name} failed: ${(err as Error)?.message ?? String(err)}`, {
        code: ErrorCodes.WF_WORKER,
        cause: err,
      });
    }
    if (reply.ok) return reply.value as T;
    throw deserializeError(reply.error);
  }

  stats(): WorkerPoolStats {
    return {
      started: this.piscina !== null,
      tasks: this.tasks,
      threads: this.piscina?.threads.length ?? 0,
      completed: this.piscina?.completed ?? 0,
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const pool = this.piscina;
    this.piscina = null;
    if (pool) await pool.destroy();
  }

  private start(): Piscina {
    if (!this.piscina) {
      this.piscina = new Piscina({
        filename: join(__dirname, 'generic.worker.js'),
        name: 'run',
        minThreads: 0,
        maxThreads: this.options.size,
        idleTimeout: this.options.idleTimeoutMs ?? 30_000,
      });
      this.piscina.on('error', (err: unknown) => this.logger.error({ err }, 'worker pool: a worker failed'));
      this.logger.debug({ size: this.options.size }, 'worker pool started');
    }
    return this.piscina;
  }
}
