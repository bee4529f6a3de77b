import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { ChildExecutions } from '../../core/services/child-executions';
import { InlineExecutionDispatcher } from '../queue/execution-dispatcher';
import { ChildExecutionService } from './child-execution.service';

/**
 * Binds {@link Tokens.ChildExecutions}. `available` is false where nothing keeps workflows
 * (`weft run` without `--db`): `workflow` nodes there fail with a clear error.
 */
export function childExecutionsBinding(options: { maxDepth: number; available: boolean }): ServiceBinding<ChildExecutions> {
  return bind(Tokens.ChildExecutions, (r) => {
    const executor = r.get(Tokens.WorkflowExecutor);
    return new ChildExecutionService({
      workflows: r.get(Tokens.WorkflowStore),
      executions: r.get(Tokens.ExecutionStore),
      executor,
      dispatcher: r.has(Tokens.ExecutionDispatcher) ? r.get(Tokens.ExecutionDispatcher) : new InlineExecutionDispatcher(executor),
      events: r.get(Tokens.EventBus),
      maxDepth: options.maxDepth,
      available: options.available,
    });
  });
}
