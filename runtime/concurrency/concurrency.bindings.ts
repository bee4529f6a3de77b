import { Tokens } from '../../core/di/tokens';
import type { ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { Resolver } from '../../core/plugin/plugin';
import { SqlExecutionStore } from '../persistence/sql-execution-store';
import type { PgBossExecutionQueue } from '../queue/pg-boss-queue';
import { ConcurrencyDispatcher } from './concurrency-dispatcher';
import { SlotAdmitter } from './slot-admitter';

/**
 * The slot admitter of this process: it runs what it admits here (inline mode) or queues it for
 * the workers (`queue`). Null without a database (nothing to share a limit through).
 */
export function createSlotAdmitter(r: Resolver, queue: PgBossExecutionQueue | null): SlotAdmitter | null {
  const store = r.get(Tokens.ExecutionStore);
  if (!(store instanceof SqlExecutionStore)) return null;
  return new SlotAdmitter({
    store,
    mode: queue
      ? { kind: 'queue', send: (db, executionId, priority) => queue.sendInTransaction(db, executionId, priority) }
      : { kind: 'local', executor: r.get(Tokens.WorkflowExecutor), workflowStore: r.get(Tokens.WorkflowStore) },
    bus: r.has(Tokens.EventBus) ? r.get(Tokens.EventBus) : undefined,
    logger: r.get(Tokens.Logger).child({ component: 'concurrency' }),
  });
}

/** `inner` behind per-workflow concurrency limits (as it is without a database). */
export function withConcurrency(inner: ExecutionDispatcher, r: Resolver, queue: PgBossExecutionQueue | null): ExecutionDispatcher {
  const admitter = createSlotAdmitter(r, queue);
  if (!admitter) return inner;
  return new ConcurrencyDispatcher({
    inner,
    admitter,
    store: r.get(Tokens.ExecutionStore) as SqlExecutionStore,
    validator: r.get(Tokens.WorkflowValidator),
    clock: r.get(Tokens.Clock),
    secrets: r.has(Tokens.SecretStore) ? r.get(Tokens.SecretStore) : undefined,
  });
}

/** The queue behind a dispatcher (null in inline mode). */
export function queueOf(dispatcher: ExecutionDispatcher): PgBossExecutionQueue | null {
  const d = dispatcher instanceof ConcurrencyDispatcher ? dispatcher.inner : dispatcher;
  return 'sendInTransaction' in d ? (d as PgBossExecutionQueue) : null;
}
