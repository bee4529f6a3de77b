import type {
  EventBus,
  ExecutionDispatcher,
  ExecutionStore,
  Logger,
  ScheduleService,
  SecretStore,
  WorkflowExecutor,
  WorkflowStore,
  WorkflowValidator,
  WaitService,
} from '../../core/index';
import type { ApiMetrics } from '../metrics/api-metrics';
import type { WorkflowRecordCache } from './workflow-record-cache';
import type { RerunService } from '../../runtime/rerun/rerun.service';

/** Open event streams, so shutdown can end them (a server cannot close while they are open). */
export interface StreamRegistry {
  /** Registers an open stream of `owner` (an API key id); returns its deregistration. */
  add(close: () => void, owner?: string): () => void;
  /** Open streams of `owner`. */
  count(owner: string): number;
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
  secrets: SecretStore;
  /** `POST /executions/:id/rerun`. */
  reruns: RerunService;
  /** Signals for waiting executions (null without a database: nothing can wait there). */
  waits: WaitService | null;
  events: EventBus;
  /** Null when no scheduler is bound (then schedules are stored but not run). */
  schedules: ScheduleService | null;
  metrics: ApiMetrics;
  logger: Logger;
  streams: StreamRegistry;
  /** Open event streams allowed per API key (each holds a socket, a bus subscription and a store poll). */
  maxStreamsPerKey: number;
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
  const perOwner = new Map<string, number>();
  return {
    add(close, owner) {
      open.add(close);
      if (owner !== undefined) perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        open.delete(close);
        if (owner === undefined) return;
        const n = (perOwner.get(owner) ?? 1) - 1;
        if (n > 0) perOwner.set(owner, n);
        else perOwner.delete(owner);
      };
    },
    count(owner) {
      return perOwner.get(owner) ?? 0;
    },
    closeAll() {
      for (const close of [...open]) close();
      open.clear();
      perOwner.clear();
    },
  };
}
