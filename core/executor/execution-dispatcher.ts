import type { ExecuteOptions } from './execute-options';
import type { ExecutionDocument } from '../model/execution-document';
import type { WorkflowDefinition } from '../model/workflow-definition';

/** An execution handed to {@link ExecutionDispatcher}. */
export interface DispatchedExecution {
  executionId: string;
  /** False when the idempotency key matched an earlier execution (nothing new was started). */
  created: boolean;
  /** Settles when the execution finishes in this process; absent when a `weft worker` runs it. */
  done?: Promise<ExecutionDocument>;
  /** Where a new execution stands when known (a concurrency limit may keep it `pending` or record it `skipped`). */
  status?: 'pending' | 'running' | 'skipped';
}

/**
 * Where executions start: this process's executor (`WEFT_EXECUTION_MODE=inline`, the default) or
 * the PostgreSQL queue that `weft worker`s drain (`queue`). The scheduler and the API's execute
 * route go through it (runtime/queue binds it).
 */
export interface ExecutionDispatcher {
  dispatch(definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution>;
}
