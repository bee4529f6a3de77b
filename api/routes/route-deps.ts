import type {
  EventBus,
  ExecutionDispatcher,
  ExecutionStore,
  Logger,
  ScheduleService,
  WorkflowExecutor,
  WorkflowStore,
  WorkflowValidator,
  WaitService,
} from '../../core/index';
import type { ApiMetrics } from '../metrics/api-metrics';
import type { WorkflowRecordCache } from './workflow-record-cache';

/** Open event streams, so shutdown can end them (a server cannot close while they are open). */
export interface StreamRegistry {
  add(close: () => void): () => void;
  closeAll(): void;
}

/** What the route factories need; resolved once from the kernel by `createApp`. */
export interface RouteDeps {
  workflows: WorkflowStore;
  /** What `execute` reads workflows through; updates and deletes invalidate it. */
  workflowCache: WorkflowRecordCache;
  executions: ExecutionStore;
  executor: WorkflowExecutor;
  /** Where `execute` starts executions when bound (queue mode); else the executor directly. */
  dispatcher: ExecutionDispatcher | null;
  validator: WorkflowValidator;
  /** Signals for waiting executions (null without a database: nothing can wait there). */
  waits: WaitService | null;
  events: EventBus;
  /** Null when no scheduler is bound (then schedules are stored but not run). */
  schedules: ScheduleService | null;
  metrics: ApiMetrics;
  logger: Logger;
  streams: StreamRegistry;
  /** Interval of SSE heartbeat comments. */
  heartbeatMs: number;
  /** Interval at which an open SSE stream checks the store for an end it heard no event of. */
  storePollMs: number;
  /** The OpenAPI document (built once the routes exist). */
  openapi(): object;
}

/** A {@link StreamRegistry} backed by a set. */
export function createStreamRegistry(): StreamRegistry {
  const open = new Set<() => void>();
  return {
    add(close) {
      open.add(close);
      return () => open.delete(close);
    },
    closeAll() {
      for (const close of [...open]) close();
      open.clear();
    },
  };
}
