import type PgBoss from 'pg-boss';
import type { WorkflowExecutor } from '../../core/executor/workflow-executor';
import type { ExecutionStore } from '../../core/store/execution-store';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { Clock } from '../../core/services/clock';
import type { Logger } from '../../core/services/logger';
import { TERMINAL_EXECUTION_STATUSES } from '../../core/model/execution-document';
import { ConflictError, NotFoundError, WeftError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import { serializeError } from '../../core/errors/error-serializer';
import { DEAD_EXECUTION_QUEUE, EXECUTION_QUEUE, type ExecutionJobData, type PgBossExecutionQueue } from './pg-boss-queue';
import { JobLease } from './job-lease';
import { claimJobs, type ClaimedJob } from './job-claim';

/** What a worker needs of the execution store beyond recording: claims that fence a previous owner. */
export interface ClaimingExecutionStore extends ExecutionStore {
  /** Takes an unfinished execution over whoever owns it (the job's claim is the right to run it); ConflictError once it ended. */
  claimExecution(executionId: string): Promise<void>;
  /** Stops recording anything for an execution run here and stops the run (the job's claim lapsed). */
  relinquish(executionId: string): void;
  /** Whether another process took over an execution this one ran (nothing more of it was recorded here). */
  hasLostClaim(executionId: string): boolean;
}

export interface QueueWorkerDeps {
  queue: PgBossExecutionQueue;
  executor: Pick<WorkflowExecutor, 'start'>;
  executionStore: ClaimingExecutionStore;
  workflowStore: WorkflowStore;
  clock: Clock;
  logger: Logger;
  /** Executions run at once by this worker (default 4). */
  concurrency?: number;
  /** Pause between polls when the queue is empty, in ms (default 500). */
  pollIntervalMs?: number;
}

/** What running one claimed job came to. */
type JobOutcome = { kind: 'finished'; status: string } | { kind: 'handback'; reason: string } | { kind: 'lost' };

/**
 * A `weft worker`'s loop: claims queued executions ({@link claimJobs}: SKIP LOCKED, a lapsed claim taken over at once, resumed work before fresh), keeps each
 * claim alive with a {@link JobLease} while the execution runs, resumes the execution from its
 * persisted node results (completed nodes are not run again), and completes the job when the
 * execution ends. Jobs are fetched rather than handed to pg-boss's `work()`, because `work()`
 * fails a job whose handler runs longer than the job's expiration, which a renewed lease must
 * be allowed to do.
 */
export class QueueWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly active = new Map<string, Promise<void>>();
  private readonly leases = new Map<string, JobLease>();
  private wake: (() => void) | null = null;
  /** When the claim loop last came round (epoch ms; 0 before start): liveness probes read it. */
  lastPollAt = 0;
  private readonly concurrency: number;
  private readonly log: Logger;

  constructor(private readonly deps: QueueWorkerDeps) {
    this.concurrency = Math.max(1, deps.concurrency ?? 4);
    this.log = deps.logger.child({ component: 'queue-worker' });
  }

  /** Starts claiming work. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.deps.queue.start();
    this.running = true;
    this.loop = this.poll();
    this.log.info({ concurrency: this.concurrency }, 'worker started');
  }

  /** Executions this worker is running. */
  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Stops claiming work and waits for the jobs in hand. Call `executor.drain(deadline)` alongside:
   * an execution it interrupts is handed back to the queue at once for another worker.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.active.values()]);
  }

  /**
   * Stops at once without touching the jobs in hand: their claims are no longer renewed and lapse,
   * and other workers resume those executions — exactly what happens when the process dies.
   */
  async abandon(): Promise<void> {
    this.running = false;
    for (const lease of this.leases.values()) lease.stop();
    this.leases.clear();
    this.wake?.();
    await this.loop;
  }

  private async poll(): Promise<void> {
    const boss = this.deps.queue.instance;
    while (this.running) {
      this.lastPollAt = Date.now();
      let claimed = 0;
      const free = this.concurrency - this.active.size;
      if (free > 0) {
        try {
          // a lapsed or handed-back job first, before any fresh one (see claimJobs)
          const jobs = await claimJobs<ExecutionJobData>(boss, this.deps.queue.schema, EXECUTION_QUEUE, free);
          claimed = jobs.length;
          for (const job of jobs) this.track(job);
          if (claimed === 0) await this.buryDeadJobs(boss);
        } catch (err) {
          this.log.error({ err }, 'could not fetch queued executions');
        }
      }
      if (!this.running) break;
      // A full batch means more may be waiting: fetch again at once; otherwise wait (a finished job wakes us).
      // So a lapsed claim is taken over within a poll interval by a worker with a free slot; with
      // every slot everywhere busy, by the first worker whose execution ends (it comes before fresh work).
      if (claimed === 0 || claimed < free) await this.pause(this.deps.pollIntervalMs ?? 500);
    }
  }

  private track(job: ClaimedJob<ExecutionJobData>): void {
    const boss = this.deps.queue.instance;
    const executionId = job.data?.executionId;
    const lease = new JobLease(
      boss,
      this.deps.queue.schema,
      EXECUTION_QUEUE,
      job.id,
      job.retryCount,
      this.deps.queue.leaseSeconds,
      this.log,
    );
    // a lapsed claim may already be another worker's: record nothing more here and stop the run
    lease.start(() => typeof executionId === 'string' && this.deps.executionStore.relinquish(executionId));
    this.leases.set(job.id, lease);
    const p = this.runJob(job)
      .then(async (outcome) => {
        if (!this.leases.has(job.id)) return; // abandoned: leave the job as a dead worker would
        const lost =
          outcome.kind === 'lost' ||
          lease.isLost ||
          (typeof executionId === 'string' && this.deps.executionStore.hasLostClaim(executionId));
        if (lost) this.log.warn({ executionId }, 'another worker took this execution over; leaving its job to it');
        else if (outcome.kind === 'finished') await lease.complete({ status: outcome.status });
        else if (outcome.kind === 'handback' && (await lease.renew())) await boss.fail(EXECUTION_QUEUE, job.id, { reason: outcome.reason });
      })
      .catch((err) => this.log.error({ err, executionId }, 'could not settle a queued execution job'))
      .finally(() => {
        lease.stop();
        this.leases.delete(job.id);
        this.active.delete(job.id);
        this.wake?.();
      });
    this.active.set(job.id, p);
  }

  /** Runs (resumes) the job's execution to its end. */
  private async runJob(job: ClaimedJob<ExecutionJobData>): Promise<JobOutcome> {
    const executionId = job.data?.executionId;
    const store = this.deps.executionStore;
    if (typeof executionId !== 'string') return { kind: 'finished', status: 'invalid job' };
    const doc = await store.getExecution(executionId);
    if (!doc) {
      this.log.warn({ executionId }, 'queued execution not found; dropping its job');
      return { kind: 'finished', status: 'missing' };
    }
    if (TERMINAL_EXECUTION_STATUSES.includes(doc.status)) return { kind: 'finished', status: doc.status };
    // parked (a stale job): the wake queues a job of its own
    if (doc.status === 'waiting') return { kind: 'finished', status: doc.status };
    const definition = await this.deps.workflowStore.getVersion(doc.workflowId, doc.workflowVersion);
    if (!definition) {
      await this.fail(executionId, doc.startedAt, new NotFoundError(`workflow ${doc.workflowId} version ${doc.workflowVersion} not found`));
      return { kind: 'finished', status: 'failed' };
    }
    try {
      // the job's claim is the right to run it: take the execution over, fencing a previous owner's writes
      await store.claimExecution(executionId);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const now = await store.getExecution(executionId);
      return { kind: 'finished', status: now?.status ?? 'missing' };
    }
    // read after the claim: the previous owner can add nothing more
    const nodes = await store.listNodeExecutions(executionId);
    const startedAt = doc.startedAt ?? new Date(this.deps.clock.now()).toISOString();
    let handle;
    try {
      handle = await this.deps.executor.start(definition, {
        executionId,
        workflowId: doc.workflowId,
        workflowVersion: doc.workflowVersion,
        inputs: doc.inputs,
        trigger: doc.trigger,
        idempotencyKey: doc.idempotencyKey ?? null,
        resume: { startedAt, nodes, woke: wokeOf(job.data) },
        lineage: doc,
        priority: doc.priority,
      });
    } catch (err) {
      if (err instanceof ConflictError) {
        // cancelled (or otherwise ended) between the read above and the claim: nothing to run
        const now = await store.getExecution(executionId);
        if (now && TERMINAL_EXECUTION_STATUSES.includes(now.status)) return { kind: 'finished', status: now.status };
        // shutting down (or already running here): give the job back for another worker
        return { kind: 'handback', reason: err.message };
      }
      await this.fail(executionId, startedAt, err);
      return { kind: 'finished', status: 'failed' };
    }
    if (nodes.length) this.log.info({ executionId, resumedNodes: nodes.length }, 'resumed a queued execution');
    const result = await handle.done;
    if (store.hasLostClaim(executionId)) return { kind: 'lost' };
    // `running` means the executor was drained mid-way: the execution is resumable elsewhere.
    if (result.status === 'running') return { kind: 'handback', reason: 'the worker stopped before the execution finished' };
    return { kind: 'finished', status: result.status };
  }

  /** Jobs whose every claim lapsed (a worker died on each): their executions end `failed`, reason `interrupted`. */
  private async buryDeadJobs(boss: PgBoss): Promise<void> {
    const dead = await boss.fetch<ExecutionJobData>(DEAD_EXECUTION_QUEUE, { batchSize: 10 });
    for (const job of dead) {
      const id = job.data?.executionId;
      const doc = typeof id === 'string' ? await this.deps.executionStore.getExecution(id) : null;
      if (doc && !TERMINAL_EXECUTION_STATUSES.includes(doc.status)) {
        const err = new WeftError(`execution ${id} was interrupted on every attempt (the workers running it stopped)`, {
          code: ErrorCodes.WF_INTERRUPTED,
        });
        await this.fail(id, doc.startedAt, err, 'interrupted');
        this.log.error({ executionId: id }, 'gave up on a queued execution: its claims lapsed too often');
      }
      await boss.complete(DEAD_EXECUTION_QUEUE, job.id);
    }
  }

  private async fail(executionId: string, startedAt: string | null, err: unknown, reason?: string): Promise<void> {
    const now = this.deps.clock.now();
    const error = { ...serializeError(err), ...(reason ? { reason } : {}) };
    await this.deps.executionStore.finishExecution(executionId, {
      status: 'failed',
      outputs: null,
      error,
      finishedAt: new Date(now).toISOString(),
      durationMs: startedAt ? Math.max(0, now - Date.parse(startedAt)) : null,
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

/** The nodes a wake's job names as ended by the wake (anything else in the job is ignored). */
function wokeOf(data: unknown): string[] | undefined {
  const woke = (data as { woke?: unknown } | null)?.woke;
  return Array.isArray(woke) ? woke.filter((n): n is string => typeof n === 'string') : undefined;
}
