import { v7 as uuidv7 } from 'uuid';
import type { ExecutionDocument } from '../model/execution-document';
import type { WorkflowValidator } from '../dag/workflow-validator';
import type { ExecutionStore } from '../store/execution-store';
import type { EventBus } from '../events/event-bus';
import type { Clock } from '../services/clock';
import type { Logger } from '../services/logger';
import type { KernelSettings } from '../kernel/kernel-settings';
import type { SecretStore } from '../secrets/secret-store';
import type { ExecuteOptions, ExecutionHandle } from './execute-options';
import { ConflictError, NotFoundError } from '../errors/weft-error';
import { ExecutionRun } from './execution-run';
import { lineageOf } from '../model/execution-lineage';
import { redactWith, secretsInUse } from '../secrets/used-secrets';

/** The services a {@link WorkflowExecutor} runs executions with (the composition root binds them). */
export interface WorkflowExecutorDeps {
  validator: WorkflowValidator;
  store: ExecutionStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  settings: KernelSettings;
  /** Where `{{ secrets.NAME }}` and trigger secrets come from (absent: no secrets exist). */
  secrets?: SecretStore;
}

/**
 * Starts, tracks, cancels and drains executions. Validation (cached per definition object)
 * happens before anything is recorded: an invalid workflow never starts.
 */
export class WorkflowExecutor {
  private readonly active = new Map<string, ExecutionRun>();
  private draining = false;
  /** Stops listening to the store's cancel requests (null until the first start). */
  private unwatch: (() => void) | null = null;

  constructor(private readonly deps: WorkflowExecutorDeps) {}

  /** Validates and starts an execution; resolves once it is recorded and running. */
  async start(definition: unknown, options: ExecuteOptions = {}): Promise<ExecutionHandle> {
    if (this.draining) throw new ConflictError('weft is shutting down and starts no new executions');
    const { store, clock, settings } = this.deps;
    const plan = this.deps.validator.assertValid(definition);
    // cancel requests made through the store (by another process, or on behalf of one) reach the run here
    this.unwatch ??= store.watchCancelRequests?.((executionId, reason) => void this.cancel(executionId, reason)) ?? null;
    const id = options.executionId ?? uuidv7();
    const workflowId = options.workflowId ?? plan.definition.name;
    const workflowVersion = options.workflowVersion ?? 1;
    const trigger = options.trigger ?? 'manual';
    const idempotencyKey = options.idempotencyKey ?? null;
    const startedAt = options.resume?.startedAt ?? new Date(clock.now()).toISOString();
    // read before the execution is recorded: nothing may await between recording it and making it
    // findable in `active`, or a concurrent start with the same idempotency key misses the run
    const usedSecrets = await secretsInUse(plan, this.deps.secrets);
    // a caller may pass a secret's value as an input: recorded, and held by the context, redacted
    // like an output, so a first run and a resume (which reads the record) see the same inputs
    const inputs = redactWith(usedSecrets, options.inputs ?? {});
    const lineage = lineageOf(options.lineage ?? {});
    let eventSeq: number | undefined;
    if (options.resume) {
      if (this.active.has(id)) throw new ConflictError(`execution ${id} is already running in this process`);
      eventSeq = (await store.resumeExecution?.(id))?.eventSeq;
    } else {
      const definition = plan.definition;
      const nodes = options.seed;
      const r = await store.startExecution({
        id,
        workflowId,
        workflowVersion,
        trigger,
        inputs,
        idempotencyKey,
        startedAt,
        definition,
        ...lineage,
        nodes,
        priority: options.priority,
      });
      if (!r.created) return this.existing(r.id);
    }
    const run = new ExecutionRun(
      plan,
      {
        id,
        workflowId,
        workflowVersion,
        trigger,
        inputs,
        idempotencyKey,
        startedAt,
        ...lineage,
        resumed: options.resume?.nodes ?? options.seed,
        usedSecrets,
        priority: options.priority,
        eventSeq,
        woke: options.resume?.woke,
      },
      {
        store,
        bus: this.deps.bus,
        clock,
        logger: this.deps.logger,
        maxParallel: plan.settings.maxParallel ?? settings.defaultMaxParallel,
        maxOutputBytes: settings.maxOutputBytes,
        secrets: this.deps.secrets ?? null,
      },
    );
    this.active.set(id, run);
    void run.done.then(() => this.active.delete(id));
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) run.cancel(reasonText(signal.reason));
      else {
        const onAbort = () => run.cancel(reasonText(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        void run.done.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    run.start();
    return { executionId: id, created: true, done: run.done, cancel: (reason) => run.cancel(reason) };
  }

  /** Starts and waits for the finished execution document. */
  async run(definition: unknown, options: ExecuteOptions = {}): Promise<ExecutionDocument> {
    return (await this.start(definition, options)).done;
  }

  /** Cancels a running execution of this process; false when it is not running here. */
  cancel(executionId: string, reason = 'cancelled by request'): boolean {
    const run = this.active.get(executionId);
    if (!run) return false;
    run.cancel(reason);
    return true;
  }

  isActive(executionId: string): boolean {
    return this.active.has(executionId);
  }

  /** Number of executions running in this process. */
  get activeCount(): number {
    return this.active.size;
  }

  /** The finished document of a running execution of this process (or null). */
  whenDone(executionId: string): Promise<ExecutionDocument> | null {
    return this.active.get(executionId)?.done ?? null;
  }

  /**
   * Graceful shutdown: start nothing new; running nodes may finish (and be recorded) until
   * `deadlineMs`; then the rest is abandoned unrecorded, so recovery resumes those executions.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    const runs = [...this.active.values()];
    for (const r of runs) r.interrupt();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)));
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), deadline]);
    clearTimeout(timer);
    for (const r of runs) r.abortInterrupted();
    await Promise.allSettled(runs.map((r) => r.done));
  }

  /** Stops listening for cancel requests (the kernel calls it at stop). */
  dispose(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  private async existing(id: string): Promise<ExecutionHandle> {
    const store = this.deps.store;
    const running = this.active.get(id);
    const done = running
      ? running.done
      : store.getExecution(id).then((doc) => {
          if (!doc) throw new NotFoundError(`execution ${id} not found`);
          return doc;
        });
    return { executionId: id, created: false, done, cancel: (reason) => void this.cancel(id, reason) };
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
