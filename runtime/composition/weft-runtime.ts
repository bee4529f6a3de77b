import type { Kernel } from '../../core/kernel/kernel';
import type { Logger } from '../../core/services/logger';
import type { WeftConfig } from '../config/weft-config';

/** Everything a weft process runs on, built by `buildRuntime` (the composition root). */
export interface WeftRuntime {
  config: WeftConfig;
  kernel: Kernel;
  logger: Logger;
  /** Whether executions are recorded in a database (SQLite/PostgreSQL) or only in memory. */
  persistent: boolean;
  /** Stops the kernel (pools, scheduler) and closes the database. */
  close(): Promise<void>;
}
