import type { ExecuteOptions, ExecutionHandle } from '../../core/executor/execute-options';
import type { ExecutionTrigger } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { Logger } from '../../core/services/logger';
import { ConflictError } from '../../core/errors/weft-error';
import type { SqlExecutionStore } from '../persistence/sql-execution-store';
import { interruptExecution } from '../persistence/execution-recovery';
import type { WokenExecution } from '../persistence/wake-sql';
import { fromJson, msToIso } from '../persistence/sql-codec';
import type { WakeHandler } from './wait-poller';
import type { SqlConnection } from '../persistence/sql-batch';

export interface LocalWakeDeps {
  store: SqlExecutionStore;
  workflowStore: Pick<WorkflowStore, 'getVersion'>;
  executor: { start(definition: WorkflowDefinition, options: ExecuteOptions): Promise<ExecutionHandle> };
  logger: Logger;
}

/**
 * Resumes woken executions in this process from their persisted node records (the wake made
 * this process their owner). One that cannot resume — its version is gone — ends `failed`,
 * reason `interrupted`; one refused because weft is shutting down stays `running` for recovery.
 */
export function localWakeHandler(deps: LocalWakeDeps): WakeHandler {
  return {
    target: 'local',
    async resume(w: WokenExecution) {
      const { store } = deps;
      const definition =
        (await deps.workflowStore.getVersion(w.workflowId, w.workflowVersion).catch(() => null)) ??
        fromJson<WorkflowDefinition>(w.definition);
      if (!definition) {
        await interruptExecution(
          store,
          w.id,
          `workflow ${w.workflowId} version ${w.workflowVersion} is not available to resume execution ${w.id}`,
          Date.now(),
        );
        return;
      }
      store.trackDefinition(w.id, definition);
      const nodes = await store.listNodeExecutions(w.id);
      try {
        await deps.executor.start(definition, {
          executionId: w.id,
          workflowId: w.workflowId,
          workflowVersion: w.workflowVersion,
          inputs: fromJson<Record<string, unknown>>(w.inputs) ?? {},
          trigger: w.trigger as ExecutionTrigger,
          idempotencyKey: w.idempotencyKey,
          resume: { startedAt: msToIso(w.startedAt)!, nodes, woke: w.woke },
        });
      } catch (err) {
        if (err instanceof ConflictError) {
          deps.logger.warn({ executionId: w.id, err: err.message }, 'a woken execution is left for recovery');
          return;
        }
        await interruptExecution(store, w.id, `execution ${w.id} could not be resumed: ${(err as Error).message}`, Date.now());
      }
    },
  };
}

/**
 * Queues woken executions (recorded `pending` by the wake) for a `weft worker`: the job is sent
 * in the wake's transaction, so a crash never leaves a `pending` execution without its job.
 */
export function queueWakeHandler(queue: { wake(executionId: string, db?: SqlConnection, woke?: string[]): Promise<void> }): WakeHandler {
  return {
    target: 'queue',
    inWake: (db, executionId, woke) => queue.wake(executionId, db, woke),
    resume: async () => undefined,
  };
}
