import { ConflictError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import type { Logger } from '../../core/services/logger';
import { CancelRequestWatcher } from './cancel-request-watcher';
import { ExecutionClaims } from './execution-claims';
import { heartbeatOp } from './execution-sql';
import type { GroupCommitWriter } from './group-commit-writer';
import type { SqlBatchDriver } from './sql-batch';
import type { PersistenceDialect } from './migrations/migration-list';

export interface ExecutionOwnershipOptions {
  driver: SqlBatchDriver;
  dialect: PersistenceDialect;
  owner: string;
  heartbeatMs: number;
  cancelPollMs: number;
  logger: Logger;
  now: () => number;
  /** Told when the claim on an execution is lost (the store forgets what it kept for it). */
  onLost: (executionId: string) => void;
}

/**
 * What this process owns of the executions it runs: which ones run here (their heartbeat is
 * refreshed), the claim epoch every write of each is fenced with, and the cancel requests other
 * processes make for them. Losing a claim stops the run here and drops its later writes.
 */
export class ExecutionOwnership {
  readonly owner: string;
  readonly claims: ExecutionClaims;
  /** Finds cancel requests other processes made for executions running here. */
  readonly cancelRequests: CancelRequestWatcher;
  private readonly active = new Set<string>();
  private idleScheduled = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private writer: GroupCommitWriter | null = null;

  constructor(private readonly o: ExecutionOwnershipOptions) {
    this.owner = o.owner;
    this.claims = new ExecutionClaims(o.dialect);
    this.cancelRequests = new CancelRequestWatcher({
      driver: o.driver,
      owner: o.owner,
      intervalMs: o.cancelPollMs,
      hasActive: () => this.active.size > 0,
      logger: o.logger,
    });
  }

  /** Starts the heartbeat on the store's writer (made after this, since its fence asks the claims). */
  attach(writer: GroupCommitWriter): void {
    this.writer = writer;
    if (this.o.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => void this.beat(), this.o.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  markActive(executionId: string): void {
    this.active.add(executionId);
    this.cancelRequests.wake();
  }

  /** The execution no longer runs here (it ended or parked); with `release`, its claim goes too. */
  inactive(executionId: string, release = false): void {
    const was = this.active.delete(executionId);
    if (release) this.claims.release(executionId);
    if (was && this.active.size === 0) this.whenIdle();
  }

  /**
   * The last execution running here ended or parked: the driver's housekeeping (a WAL checkpoint
   * on SQLite) runs now rather than inside a running execution's commit, once this turn's
   * callbacks (the response for that execution) are done, and only if nothing started since.
   */
  private whenIdle(): void {
    const driver = this.o.driver;
    if (!driver.idle || this.idleScheduled) return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      if (this.active.size > 0 || !this.writer || this.writer.isClosed) return;
      const did = driver.idle!();
      if (did) this.o.logger.debug(did, 'checkpointed the write-ahead log between executions');
    });
  }

  /** See {@link SqlExecutionStore.relinquish}. */
  relinquish(executionId: string): void {
    if (this.claims.holds(executionId) || this.active.has(executionId)) this.claimLost(executionId);
  }

  /** Another process took the execution over: drop what this one still writes for it, and stop the run here. */
  claimLost(executionId: string): ConflictError {
    if (this.claims.markLost(executionId)) {
      this.active.delete(executionId);
      this.o.onLost(executionId);
      this.o.logger.warn(
        { executionId },
        'lost the claim on an execution (another process took it over); nothing more is recorded for it here',
      );
      this.cancelRequests.notify(executionId, 'another process took this execution over');
    }
    return this.claimLostError(executionId);
  }

  claimLostError(executionId: string): ConflictError {
    return new ConflictError(`execution ${executionId} was taken over by another process; this process no longer records it`, {
      code: ErrorCodes.WF_CLAIM_LOST,
    });
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.cancelRequests.close();
  }

  private async beat(): Promise<void> {
    const writer = this.writer;
    if (!writer || writer.isClosed || this.active.size === 0) return;
    try {
      await writer.run(heartbeatOp(this.owner, this.o.now()));
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'execution heartbeat failed');
    }
  }
}
