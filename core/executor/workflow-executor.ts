import type { Resolver } from '../plugin/plugin';
import type { WorkflowDefinition } from '../model/workflow-definition';
import type { ExecutionDocument } from '../model/execution-document';
import type { ExecuteOptions, ExecutionHandle } from './execute-options';

/** STUB (being written) */
export class WorkflowExecutor {
  constructor(private readonly resolver: Resolver) {}
  async start(definition: WorkflowDefinition, options: ExecuteOptions = {}): Promise<ExecutionHandle> {
    void this.resolver; void definition; void options;
    throw new Error('not implemented yet');
  }
  async run(definition: WorkflowDefinition, options: ExecuteOptions = {}): Promise<ExecutionDocument> {
    return (await this.start(definition, options)).done;
  }
  cancel(executionId: string, reason?: string): boolean { void executionId; void reason; return false; }
  get activeCount(): number { return 0; }
  async drain(deadlineMs: number): Promise<void> { void deadlineMs; }
}
