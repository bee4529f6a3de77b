import type { DispatchedExecution, ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { ExecuteOptions } from '../../core/executor/execute-options';
import type { WorkflowExecutor } from '../../core/executor/workflow-executor';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';

export type { DispatchedExecution, ExecutionDispatcher };

/** `WEFT_EXECUTION_MODE=inline`: executions run in this process with the kernel's executor. */
export class InlineExecutionDispatcher implements ExecutionDispatcher {
  constructor(private readonly executor: Pick<WorkflowExecutor, 'start'>) {}

  async dispatch(definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution> {
    const h = await this.executor.start(definition, options);
    return { executionId: h.executionId, created: h.created, done: h.created ? h.done : undefined };
  }
}
