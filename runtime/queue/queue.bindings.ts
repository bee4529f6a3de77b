import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { Resolver } from '../../core/plugin/plugin';
import { ConfigurationError } from '../../core/errors/weft-error';
import type { WeftConfig } from '../config/weft-config';
import { InlineExecutionDispatcher } from './execution-dispatcher';
import { withConcurrency } from '../concurrency/concurrency.bindings';
import { PgBossExecutionQueue, type PgBossQueueOptions, type QueueingExecutionStore } from './pg-boss-queue';

/**
 * Binds {@link Tokens.ExecutionDispatcher}: this process's executor (`WEFT_EXECUTION_MODE=inline`)
 * or the PostgreSQL queue drained by `weft worker`s (`queue`; needs `DATABASE_URL`). The queue
 * connects on first use and is stopped with the kernel.
 */
export function executionDispatcherBinding(config: WeftConfig): ServiceBinding<ExecutionDispatcher> {
  if (config.executionMode === 'queue' && !config.databaseUrl) {
    throw new ConfigurationError('WEFT_EXECUTION_MODE=queue needs PostgreSQL: set DATABASE_URL=postgres://...');
  }
  return bind(Tokens.ExecutionDispatcher, (r) => {
    const queue = config.executionMode === 'queue' ? createExecutionQueue(config, r) : null;
    // per-workflow concurrency limits sit in front of either
    return withConcurrency(queue ?? new InlineExecutionDispatcher(r.get(Tokens.WorkflowExecutor)), r, queue);
  });
}

/** The pg-boss execution queue on the configured PostgreSQL, with the kernel's store, clock, logger and validator. */
export function createExecutionQueue(
  config: WeftConfig,
  r: Resolver,
  tuning: Pick<PgBossQueueOptions, 'leaseSeconds' | 'maintenanceIntervalSeconds' | 'maxClaims' | 'poolSize'> = {},
): PgBossExecutionQueue {
  if (!config.databaseUrl) throw new ConfigurationError('the execution queue needs PostgreSQL: set DATABASE_URL=postgres://...');
  const store = r.get(Tokens.ExecutionStore) as Partial<QueueingExecutionStore>;
  if (typeof store.startExecutionAlongside !== 'function')
    throw new ConfigurationError('the execution queue needs the PostgreSQL execution store (DATABASE_URL=postgres://...)');
  return new PgBossExecutionQueue({
    connectionString: config.databaseUrl,
    executionStore: store as QueueingExecutionStore,
    leaseSeconds: config.queueLeaseSeconds,
    maintenanceIntervalSeconds: config.queueLapseCheckSeconds,
    clock: r.get(Tokens.Clock),
    logger: r.get(Tokens.Logger),
    validator: r.get(Tokens.WorkflowValidator),
    secrets: r.has(Tokens.SecretStore) ? r.get(Tokens.SecretStore) : undefined,
    ...tuning,
  });
}
