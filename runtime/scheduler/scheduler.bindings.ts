import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { Resolver } from '../../core/plugin/plugin';
import type { ScheduleService } from '../../core/services/schedule-service';
import type { WeftConfig } from '../config/weft-config';
import { WorkflowScheduler } from './workflow-scheduler';

/**
 * Binds {@link Tokens.ScheduleService} to a {@link WorkflowScheduler} on the kernel's stores,
 * executor and clock. Fires go through {@link Tokens.ExecutionDispatcher} when one is bound
 * (queue mode), else to this process's executor. The kernel stops it at shutdown; `start()` is
 * the server's to call (after recovery, so resumed runs count for the overlap policy).
 */
export function schedulerBinding(config: WeftConfig): ServiceBinding<ScheduleService> {
  return bind(Tokens.ScheduleService, (r) => {
    return new WorkflowScheduler({
      workflowStore: r.get(Tokens.WorkflowStore),
      executionStore: r.get(Tokens.ExecutionStore),
      executor: r.get(Tokens.WorkflowExecutor),
      clock: r.get(Tokens.Clock),
      logger: r.get(Tokens.Logger),
      config,
      dispatcher: optional(r, Tokens.ExecutionDispatcher),
      events: r.get(Tokens.EventBus),
    });
  });
}

function optional(r: Resolver, token: typeof Tokens.ExecutionDispatcher): ExecutionDispatcher | undefined {
  return r.has(token) ? r.get(token) : undefined;
}
