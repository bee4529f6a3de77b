import PgBoss from 'pg-boss';
import { v7 as uuidv7 } from 'uuid';
import type { ExecutionStartRecord, ExecutionStore } from '../../core/store/execution-store';
import { DEFAULT_PRIORITY, type ExecuteOptions } from '../../core/executor/execute-options';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowValidator } from '../../core/dag/workflow-validator';
import type { Clock } from '../../core/services/clock';
import type { Logger } from '../../core/services/logger';
import { ConfigurationError, PersistenceError } from '../../core/errors/weft-error';
import type { DispatchedExecution, ExecutionDispatcher } from './execution-dispatcher';
import type { SqlConnection } from '../persistence/sql-batch';
import type { SecretStore } from '../../core/secrets/secret-store';
import { redactedInputs } from '../../core/secrets/used-secrets';
import { crashTestPoint } from '../testing/crash-test-point';

/** The pg-boss queue of executions waiting for a `weft worker`. */
export const EXECUTION_QUEUE = 'weft-executions';
/** Where pg-boss moves a job whose claims all lapsed (a worker died on it each time). */
export const DEAD_EXECUTION_QUEUE = 'weft-executions-dead';

/** A queued execution's job: only the id; everything else is in the execution record. */
export interface ExecutionJobData {
  executionId: string;
  /** A wake's job: the nodes the wake ended (the worker publishes their events as it takes them). */
  woke?: string[];
}

/** The execution store a queue records into: it can send the job in the transaction that inserts the row. */
export interface QueueingExecutionStore extends ExecutionStore {
  startExecutionAlongside(
    record: ExecutionStartRecord,
    alongside: ((db: SqlConnection) => Promise<unknown>) | null,
  ): Promise<{ id: string; created: boolean }>;
}

export interface PgBossQueueOptions {
  /** `postgres://...` (the same database as the execution store). */
  connectionString: string;
  executionStore: QueueingExecutionStore;
  clock: Clock;
  logger: Logger;
  /** Validates definitions before they are queued (an invalid workflow never starts). */
  validator?: Pick<WorkflowValidator, 'assertValid'>;
  /** Where the secrets a workflow uses come from: their values are redacted from the recorded inputs. */
  secrets?: SecretStore;
  /** pg-boss schema (default `pgboss`). */
  schema?: string;
  /**
   * Claim lease in seconds (default 5): a worker renews its claim every third of it; a claim not
   * renewed for this long lapses and another worker resumes the execution.
   */
  leaseSeconds?: number;
  /** How often pg-boss's maintenance looks for lapsed claims, in seconds (default 1). */
  maintenanceIntervalSeconds?: number;
  /** Claims an execution gets before it is given up and ended `failed` (default 5). */
  maxClaims?: number;
  /** Connections pg-boss may open (default 4). */
  poolSize?: number;
}

/**
 * `WEFT_EXECUTION_MODE=queue`: executions are recorded `pending` and queued in PostgreSQL with
 * pg-boss 10; `weft worker` processes claim them (`SELECT ... FOR UPDATE SKIP LOCKED` inside
 * pg-boss's fetch), renew the claim while they run, and a claim that stops being renewed lapses
 * (pg-boss job expiration), so another worker resumes the execution from its persisted node
 * results. The job id is the execution id, so queueing an execution twice is a no-op.
 */
export class PgBossExecutionQueue implements ExecutionDispatcher {
  readonly schema: string;
  readonly leaseSeconds: number;
  private boss: PgBoss | null = null;
  private starting: Promise<PgBoss> | null = null;
  private readonly log: Logger;

  constructor(private readonly options: PgBossQueueOptions) {
    if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw new ConfigurationError('the execution queue needs PostgreSQL: set DATABASE_URL=postgres://...');
    }
    this.schema = options.schema ?? 'pgboss';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new ConfigurationError(`invalid pg-boss schema name "${this.schema}"`);
    this.leaseSeconds = options.leaseSeconds ?? 5;
    if (!Number.isInteger(this.leaseSeconds) || this.leaseSeconds < 1)
      throw new ConfigurationError('leaseSeconds must be a positive integer');
    this.log = options.logger.child({ component: 'queue' });
  }

  /** Connects, installs or migrates pg-boss's schema and creates the queues (idempotent; concurrent processes are fine). */
  async start(): Promise<PgBoss> {
    if (this.boss) return this.boss;
    this.starting ??= this.connect().catch((err) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  /** The started pg-boss instance (workers fetch and complete jobs on it). */
  get instance(): PgBoss {
    if (!this.boss) throw new ConfigurationError('the execution queue is not started');
    return this.boss;
  }

  /** Records the execution `pending` and queues it; same result shape as running it inline. */
  async dispatch(definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution> {
    return this.enqueueExecution(definition, options);
  }

  /**
   * Queues an execution for the workers. With an idempotency key already used for the workflow,
   * nothing is queued and the earlier execution's id comes back with `created: false`.
   */
  async enqueueExecution(definition: WorkflowDefinition, options: ExecuteOptions = {}): Promise<DispatchedExecution> {
    const plan = this.options.validator?.assertValid(definition);
    const def = plan ? plan.definition : definition;
    // recorded (and seen by the nodes) redacted, as an inline start records them
    const inputs = plan ? await redactedInputs(plan, this.options.secrets, options.inputs ?? {}) : (options.inputs ?? {});
    const record: ExecutionStartRecord & { status: 'pending' } = {
      id: options.executionId ?? uuidv7(),
      workflowId: options.workflowId ?? def.name,
      workflowVersion: options.workflowVersion ?? 1,
      trigger: options.trigger ?? 'manual',
      inputs,
      idempotencyKey: options.idempotencyKey ?? null,
      startedAt: new Date(this.options.clock.now()).toISOString(),
      definition: def,
      // Stores that know the field record the execution `pending` until a worker claims it.
      status: 'pending',
      ...options.lineage,
      // a re-run's copied nodes: the worker resumes the execution with them and runs only the rest
      nodes: options.seed,
      priority: options.priority,
    };
    const boss = await this.start();
    const data: ExecutionJobData = { executionId: record.id };
    // the job is inserted by the transaction that inserts the row: both exist or neither does
    const r = await this.options.executionStore.startExecutionAlongside(record, async (db) => {
      crashTestPoint('after-execution-insert');
      // pg-boss hands a free worker the highest priority first, then the oldest
      await boss.send(EXECUTION_QUEUE, data, { id: record.id, db, priority: record.priority ?? DEFAULT_PRIORITY });
      crashTestPoint('after-job-send');
    });
    return { executionId: r.id, created: r.created };
  }

  /**
   * Queues the job of an execution given a concurrency slot, on the connection (and inside the
   * transaction) of that admission: the slot and the job commit together.
   */
  async sendInTransaction(db: SqlConnection, executionId: string, priority: number): Promise<void> {
    const boss = await this.start();
    await boss.send(EXECUTION_QUEUE, { executionId } satisfies ExecutionJobData, { id: executionId, db, priority });
  }

  /**
   * Queues (again) an execution that is already recorded (its job was lost: e.g. the queue's
   * tables were cleared). A no-op while its job is still queued or claimed.
   */
  async requeue(executionId: string): Promise<void> {
    const boss = await this.start();
    const data: ExecutionJobData = { executionId };
    try {
      await boss.send(EXECUTION_QUEUE, data, { id: executionId });
    } catch (err) {
      throw new PersistenceError(`could not queue execution ${executionId}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Queues an execution a wait woke (recorded `pending` again): a new job, since the one that ran
   * it before parking is complete and keeps the execution's id. With `db` (the wake's
   * transaction) the job commits with the wake or not at all.
   */
  async wake(executionId: string, db?: SqlConnection, woke?: string[]): Promise<void> {
    const boss = await this.start();
    try {
      crashTestPoint('after-wake-update');
      await boss.send(EXECUTION_QUEUE, { executionId, ...(woke?.length ? { woke } : {}) } satisfies ExecutionJobData, db ? { db } : {});
      crashTestPoint('after-wake-send');
    } catch (err) {
      throw new PersistenceError(`could not queue woken execution ${executionId}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Jobs waiting (not claimed) in the queue. */
  async waiting(): Promise<number> {
    return (await this.start()).getQueueSize(EXECUTION_QUEUE);
  }

  /** Stops pg-boss (its maintenance timer and connection pool). Claimed jobs stay claimed until their lease lapses. */
  async stop(): Promise<void> {
    const boss = this.boss ?? (this.starting ? await this.starting.catch(() => null) : null);
    this.boss = null;
    this.starting = null;
    if (boss) await boss.stop({ graceful: false, close: true, wait: true, timeout: 5000 });
  }

  private async connect(): Promise<PgBoss> {
    const boss = new PgBoss({
      connectionString: this.options.connectionString,
      schema: this.schema,
      application_name: 'weft',
      max: this.options.poolSize ?? 4,
      supervise: true,
      maintenanceIntervalSeconds: this.options.maintenanceIntervalSeconds ?? 1,
      // weft's own scheduler fires workflows; pg-boss's cron is not used
      schedule: false,
    });
    boss.on('error', (err) => this.log.error({ err }, 'pg-boss error'));
    await boss.start();
    try {
      await boss.createQueue(DEAD_EXECUTION_QUEUE, { name: DEAD_EXECUTION_QUEUE, retentionDays: 14 });
      const settings: PgBoss.Queue = {
        name: EXECUTION_QUEUE,
        policy: 'standard',
        retryLimit: Math.max(0, (this.options.maxClaims ?? 5) - 1),
        retryDelay: 0,
        expireInSeconds: this.leaseSeconds,
        deadLetter: DEAD_EXECUTION_QUEUE,
      };
      // create is a no-op when the queue exists; update applies this process's lease and claim settings
      await boss.createQueue(EXECUTION_QUEUE, settings);
      await boss.updateQueue(EXECUTION_QUEUE, settings);
      // Workers look for lapsed claims on every poll (claimJobs), and completed jobs stay in the
      // table for hours: the active ones get an index of their own. Under an advisory lock, since
      // IF NOT EXISTS is not safe against processes starting together.
      await boss
        .getDb()
        .executeSql(
          `BEGIN; SELECT pg_advisory_xact_lock(hashtext('weft.${this.schema}.job_active')); CREATE INDEX IF NOT EXISTS weft_job_active ON ${this.schema}.job (name, started_on) WHERE state = 'active'; COMMIT;`,
          [],
        );
    } catch (err) {
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw err;
    }
    this.boss = boss;
    return boss;
  }
}
