import type { Logger } from '../../core/services/logger';
import type { SqlStep, WriteOp } from './sql-batch';

/** How a {@link GroupCommitWriter} writes keyed rows, fences them and schedules its commits. */
export interface GroupCommitOptions {
  /** The statements that write a set of keyed rows (one multi-row upsert per chunk). */
  rowSteps: (rows: Record<string, unknown>[]) => SqlStep[];
  /**
   * Fencing of keyed rows: `check` yields the statements that verify, inside the commit, that this
   * process still holds the claims of the rows' groups (their executions) and returns the groups
   * whose claim is gone (null: nothing to check); those rows are not written and their durable
   * waiters are rejected with `refused(group)`.
   */
  fence?: {
    groupOf(row: Record<string, unknown>): string;
    check(groups: Iterable<string>): WriteOp<Set<string>> | null;
    refused(group: string): unknown;
  };
  /**
   * Whether a durable keyed row's group is the only one writing here (an execution running alone
   * in this process): its commit then need not wait for the check phase (see `schedule`).
   */
  alone?: () => boolean;
  /** How long a write nobody waits for may sit in the queue before it is committed on its own. */
  lazyFlushMs?: number;
  logger?: Logger;
}
