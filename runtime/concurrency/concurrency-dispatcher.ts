import { v7 as uuidv7 } from 'uuid';
import type { DispatchedExecution, ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import { DEFAULT_PRIORITY, type ExecuteOptions } from '../../core/executor/execute-options';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowValidator } from '../../core/dag/workflow-validator';
import type { Clock } from '../../core/services/clock';
import { renderConcurrencyKey } from '../../core/dag/concurrency-plan';
import type { SqlExecutionStore } from '../persistence/sql-execution-store';
import type { SlotAdmitter } from './slot-admitter';
import type { SecretStore } from '../../core/secrets/secret-store';
import { redactedInputs } from '../../core/secrets/used-secrets';

export interface ConcurrencyDispatcherDeps {
  /** Where executions of workflows without a limit (and child executions) go. */
  inner: ExecutionDispatcher;
  admitter: SlotAdmitter;
  store: SqlExecutionStore;
  validator: Pick<WorkflowValidator, 'assertValid'>;
  clock: Clock;
  /** Where the secrets a workflow uses come from: their values are redacted from the recorded inputs. */
  secrets?: SecretStore;
}

/**
 * The dispatcher in front of the inline executor or the queue: an execution of a workflow with
 * `settings.concurrency` is recorded `pending` with its rendered key and limit, then the
 * {@link SlotAdmitter} starts it when a slot is free (or records it `skipped`). Child executions
 * pass straight through: a workflow that calls itself would otherwise wait for its own slot.
 */
export class ConcurrencyDispatcher implements ExecutionDispatcher {
  constructor(private readonly deps: ConcurrencyDispatcherDeps) {}

  /** The dispatcher behind this one (the queue, for its wake and worker roles). */
  get inner(): ExecutionDispatcher {
    return this.deps.inner;
  }

  async dispatch(definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution> {
    const plan = this.deps.validator.assertValid(definition);
    const limit = plan.settings.concurrency;
    if (!limit || options.lineage?.parentExecutionId) return this.deps.inner.dispatch(definition, options);
    const def = plan.definition;
    // recorded redacted, as an inline start records them (the admitted run reads the record)
    const inputs = await redactedInputs(plan, this.deps.secrets, options.inputs ?? {});
    const workflowId = options.workflowId ?? def.name;
    const key = renderConcurrencyKey(limit, def, inputs);
    const id = options.executionId ?? uuidv7();
    const r = await this.deps.store.startExecutionAlongside(
      {
        id,
        workflowId,
        workflowVersion: options.workflowVersion ?? 1,
        trigger: options.trigger ?? 'manual',
        inputs,
        idempotencyKey: options.idempotencyKey ?? null,
        // replaced by the admission: startedAt is when it leaves `pending`
        startedAt: new Date(this.deps.clock.now()).toISOString(),
        definition: def,
        status: 'pending',
        ...options.lineage,
        nodes: options.seed,
        priority: options.priority ?? DEFAULT_PRIORITY,
        concurrency: { key, limit: limit.limit },
      },
      null,
    );
    if (!r.created) return { executionId: r.id, created: false };
    const group = { workflowId, key };
    const outcome = await this.deps.admitter.admit(group, { id, limit: limit.limit, definition: def, skip: limit.onLimit === 'skip' });
    if (outcome?.status === 'skipped') {
      // its nodes were recorded `skipped` with it (every node appears in the document)
      return { executionId: id, created: true, status: 'skipped' };
    }
    if (outcome?.handle) return { executionId: id, created: true, status: 'running', done: outcome.handle.done };
    return { executionId: id, created: true, status: outcome?.status ?? 'pending' };
  }

  /** Stops the admitter's sweep, then whatever the inner dispatcher holds (the queue's connections). */
  async stop(): Promise<void> {
    this.deps.admitter.close();
    const inner = this.deps.inner as { stop?: () => Promise<void> };
    if (typeof inner.stop === 'function') await inner.stop();
  }
}
