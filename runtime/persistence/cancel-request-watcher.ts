import type { CancelRequestListener } from '../../core/store/execution-store';
import type { Logger } from '../../core/services/logger';
import type { SqlBatchDriver } from './sql-batch';
import { SELECT_CANCEL_REQUESTS } from './execution-sql';

export interface CancelRequestWatcherOptions {
  /** Reads through the store's driver (a prepared statement per connection). */
  driver: Pick<SqlBatchDriver, 'all'>;
  /** The store's owner identity: only requests for executions this process runs are read. */
  owner: string;
  /** Pause between polls while executions run here, ms (0: never poll). */
  intervalMs: number;
  /** Whether this process runs any execution now; no query is made while it runs none. */
  hasActive(): boolean;
  logger: Logger;
}

/**
 * Finds the cancel requests other processes recorded for the executions this process runs, and
 * tells the listeners (the executor, which cancels the run). One indexed query per
 * `intervalMs`, and only while there are listeners and executions running here: an idle
 * process never touches the database for it. Requests are reported on every poll until the
 * execution ends (cancelling is idempotent), so one missed by a run that was still starting is
 * acted on at the next poll.
 */
export class CancelRequestWatcher {
  private readonly listeners = new Set<CancelRequestListener>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Requests already logged (those of executions still running). */
  private seen = new Set<string>();

  constructor(private readonly options: CancelRequestWatcherOptions) {}

  subscribe(listener: CancelRequestListener): () => void {
    this.listeners.add(listener);
    this.wake();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** An execution started running here (or there may be one): make sure a poll is scheduled. */
  wake(): void {
    if (this.timer || this.closed || this.options.intervalMs <= 0 || this.listeners.size === 0 || !this.options.hasActive()) return;
    this.timer = setTimeout(() => void this.poll(), this.options.intervalMs);
    // the executions that make us poll keep the process alive; the poll itself must not
    this.timer.unref();
  }

  /** Tells the listeners at once to cancel an execution running here (the store lost its claim on it). */
  notify(executionId: string, reason: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(executionId, reason);
      } catch (err) {
        this.options.logger.error({ err, executionId }, 'a cancel request listener failed');
      }
    }
  }

  /** Stops polling for good (the store closes). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One poll (tests call it to skip the wait); resolves once the listeners were told. */
  async poll(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.listeners.size === 0 || !this.options.hasActive()) {
      this.seen.clear();
      return;
    }
    try {
      const rows = await this.options.driver.all(SELECT_CANCEL_REQUESTS, [this.options.owner]);
      if (this.closed) return;
      const seen = new Set<string>();
      for (const row of rows) {
        const id = String(row.id);
        const reason = row.cancel_reason === null || row.cancel_reason === undefined ? 'cancelled by request' : String(row.cancel_reason);
        seen.add(id);
        if (!this.seen.has(id)) this.options.logger.info({ executionId: id, reason }, 'cancel requested by another process');
        this.notify(id, reason);
      }
      this.seen = seen;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not read cancel requests');
    } finally {
      this.wake();
    }
  }
}
