/**
 * Signals for `wait` nodes (runtime binds it where executions are persisted). A signal is kept on
 * its execution, first in first out, until the node that started waiting for that name first
 * takes it; signals left when the execution ends are dropped.
 */
export interface WaitService {
  /**
   * Delivers signal `name` with `payload` to execution `executionId`. Rejects with a
   * NotFoundError for an unknown execution or a name no `wait` node of its workflow declares,
   * and a ConflictError for a finished execution.
   */
  signal(executionId: string, name: string, payload: unknown): Promise<{ receivedAt: string }>;
}
