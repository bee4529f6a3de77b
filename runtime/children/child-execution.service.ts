import type { ChildExecutionHandle, ChildExecutionRequest, ChildExecutions } from '../../core/services/child-executions';
import type { ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { WorkflowExecutor } from '../../core/executor/workflow-executor';
import type { ExecutionStore } from '../../core/store/execution-store';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { EventBus } from '../../core/events/event-bus';
import type { ExecutionDocument } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import { isTerminal, waitForFinish } from '../../core/store/execution-waiter';
import { CancelledError, NodeExecutionError, NotFoundError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';

export interface ChildExecutionServiceDeps {
  workflows: WorkflowStore;
  executions: ExecutionStore;
  executor: Pick<WorkflowExecutor, 'whenDone' | 'cancel'>;
  /** The path the API's `execute` takes: this process's executor, or the queue in queue mode. */
  dispatcher: ExecutionDispatcher;
  events: EventBus;
  /** `WEFT_MAX_WORKFLOW_DEPTH`. */
  maxDepth: number;
  /** False where no workflow store is kept (`weft run` without `--db`): every start fails, saying so. */
  available: boolean;
}

/**
 * {@link ChildExecutions} through the same dispatcher the API starts executions with. A child's
 * idempotency key (`workflow:<parent>:<node>:<attempt>[:<item>[:<item attempt>]]`, which the API never accepts from
 * callers since it does not reach this path) makes a resumed parent re-attach to the child its
 * node had started instead of starting a second one; a retried attempt starts a new child.
 */
export class ChildExecutionService implements ChildExecutions {
  /** Depths of executions started here while they run (most lookups then need no store read). */
  private readonly depths = new Map<string, number>();

  constructor(private readonly deps: ChildExecutionServiceDeps) {}

  async start(req: ChildExecutionRequest): Promise<ChildExecutionHandle> {
    const { deps } = this;
    if (!deps.available) {
      throw new NodeExecutionError(
        `cannot start workflow "${req.workflowId}": sub-workflows need the workflow store of a database (run with --db <sqlite file or postgres url>, or use weft serve)`,
        { code: ErrorCodes.WF_CHILD_UNAVAILABLE },
      );
    }
    if (req.signal.aborted) throw new CancelledError('cancelled before the child execution started');
    const depth = (await this.depthOf(req.parentExecutionId)) + 1;
    if (depth > deps.maxDepth) {
      throw new NodeExecutionError(
        `workflow "${req.workflowId}" would run at depth ${depth}, beyond the limit of ${deps.maxDepth} (WEFT_MAX_WORKFLOW_DEPTH); nothing was started`,
        { code: ErrorCodes.WF_DEPTH_EXCEEDED, details: { workflowId: req.workflowId, depth, maxDepth: deps.maxDepth } },
      );
    }
    const { definition, version } = await this.definitionOf(req.workflowId, req.version ?? 'latest');
    const key = [
      'workflow',
      req.parentExecutionId,
      req.parentNodeId,
      req.attempt,
      ...(req.itemIndex === undefined ? [] : [req.itemIndex]),
      ...(req.itemAttempt === undefined || req.itemAttempt <= 1 ? [] : [req.itemAttempt]),
    ].join(':');
    const started = await deps.dispatcher.dispatch(definition, {
      workflowId: req.workflowId,
      workflowVersion: version,
      inputs: req.inputs,
      trigger: 'workflow',
      idempotencyKey: key,
      lineage: { parentExecutionId: req.parentExecutionId, parentNodeId: req.parentNodeId, itemIndex: req.itemIndex ?? null },
    });
    const id = started.executionId;
    this.depths.set(id, depth);
    const onAbort = () => {
      // weft shutting down: the child stays, for the resumed parent to re-attach to
      if ((req.signal.reason as { code?: unknown } | undefined)?.code !== ErrorCodes.WF_INTERRUPTED) this.cancel(id, req.signal.reason);
    };
    req.signal.addEventListener('abort', onAbort, { once: true });
    const release = () => {
      req.signal.removeEventListener('abort', onAbort);
      this.depths.delete(id);
    };
    // the run here settles when the child ends or parks (`waiting`)
    const local = started.done ?? deps.executor.whenDone(id);
    const finished = (): Promise<ExecutionDocument> =>
      (local ? local.then((doc) => (isTerminal(doc.status) ? doc : this.awaitElsewhere(id))) : this.awaitElsewhere(id)).finally(release);
    let done: Promise<ExecutionDocument> | null = null;
    const handle: ChildExecutionHandle = {
      executionId: id,
      created: started.created,
      get done() {
        return (done ??= finished());
      },
      endedOrParked: async () => {
        let doc: ExecutionDocument | null;
        try {
          doc = local ? await local : await deps.executions.getExecution(id);
        } catch (err) {
          release();
          throw err;
        }
        if (!doc) {
          release();
          throw new NotFoundError(`child execution ${id} not found`);
        }
        this.depths.delete(id);
        if (isTerminal(doc.status)) {
          req.signal.removeEventListener('abort', onAbort);
          return doc;
        }
        // the abort listener stays: it lives and goes with the parent's run, and a cancel that comes
        // before the parked node is recorded still reaches the child
        return null;
      },
      ended: async () => {
        const doc = await deps.executions.getExecution(id);
        if (!doc) throw new NotFoundError(`child execution ${id} not found`);
        if (!isTerminal(doc.status)) return null;
        release();
        return doc;
      },
      cancel: (why) => {
        release();
        this.cancelChild(id, why);
      },
    };
    // aborted while the dispatch was under way: the listener came too late to hear it
    if (req.signal.aborted) onAbort();
    return handle;
  }

  /** Cancels the child here when it runs here, else through the store (its owner polls for requests). */
  private cancel(id: string, reason: unknown): void {
    this.cancelChild(
      id,
      `parent cancelled: ${reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'cancelled'}`,
    );
  }

  private cancelChild(id: string, why: string): void {
    if (this.deps.executor.cancel(id, why)) return;
    // a child that already finished answers 409: nothing left to cancel
    this.deps.executions.requestCancel(id, why).catch(() => undefined);
  }

  /** A child run by another process (a queue worker) or resumed later: the bus wakes us, a store poll covers the rest. */
  private async awaitElsewhere(id: string): Promise<ExecutionDocument> {
    const doc = await waitForFinish(id, { events: this.deps.events, executions: this.deps.executions }, new AbortController().signal);
    if (!doc) throw new NotFoundError(`child execution ${id} not found`);
    return doc;
  }

  /** How deep an execution is (the root is 0): from this process's memory, else by walking its parents in the store. */
  private async depthOf(executionId: string): Promise<number> {
    const known = this.depths.get(executionId);
    if (known !== undefined) return known;
    let depth = 0;
    let doc = await this.deps.executions.getExecution(executionId);
    // bounded: past the limit the exact depth no longer matters
    while (doc?.parentExecutionId && depth <= this.deps.maxDepth) {
      depth++;
      const cached = this.depths.get(doc.parentExecutionId);
      if (cached !== undefined) return depth + cached;
      doc = await this.deps.executions.getExecution(doc.parentExecutionId);
    }
    return depth;
  }

  private async definitionOf(workflowId: string, version: number | 'latest'): Promise<{ definition: WorkflowDefinition; version: number }> {
    if (version === 'latest') {
      const record = await this.deps.workflows.get(workflowId);
      if (record) return { definition: record.definition, version: record.version };
      throw new NodeExecutionError(`workflow "${workflowId}" not found`, { code: ErrorCodes.WF_NOT_FOUND, details: { workflowId } });
    }
    const definition = await this.deps.workflows.getVersion(workflowId, version);
    if (definition) return { definition, version };
    throw new NodeExecutionError(`workflow "${workflowId}" has no version ${version}`, {
      code: ErrorCodes.WF_NOT_FOUND,
      details: { workflowId, version },
    });
  }
}
