import type { WorkflowDefinition } from '../../core/model/workflow-definition';

/** The definition order of the nodes of executions running here, so documents list nodes in that order. */
export class NodePositions {
  private readonly byExecution = new Map<string, Map<string, number>>();

  /** Remembers the definition's node order for an execution (nothing without a definition). */
  track(executionId: string, definition: WorkflowDefinition | undefined): void {
    if (!definition?.nodes) return;
    const order = new Map<string, number>();
    definition.nodes.forEach((n, i) => order.set(n.id, i));
    this.byExecution.set(executionId, order);
  }

  has(executionId: string): boolean {
    return this.byExecution.has(executionId);
  }

  delete(executionId: string): void {
    this.byExecution.delete(executionId);
  }

  of(executionId: string, nodeId: string): number | null {
    return this.byExecution.get(executionId)?.get(nodeId) ?? null;
  }
}
