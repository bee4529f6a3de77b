import type { ExecutionDispatcher } from '../../core/executor/execution-dispatcher';
import type { ExecutionStore } from '../../core/store/execution-store';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { ExecutionDocument } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { ValidationIssue } from '../../core/plugin/node-type';
import { isTerminal } from '../../core/store/execution-waiter';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import { planRerun } from './rerun-plan';

/** `POST /executions/:id/rerun`'s body (and `weft rerun`'s options). */
export interface RerunRequest {
  fromNodes?: string[];
  /** `pinned` (default): the original's version; `latest`: the workflow's current version. */
  version?: 'pinned' | 'latest';
  /** Replace the original's inputs. */
  inputs?: Record<string, unknown>;
}

export interface RerunStarted {
  executionId: string;
  /** `running` here, or `pending` in a queue. */
  status: 'running' | 'pending';
  /** Settles when the re-run finishes in this process (absent when a worker runs it). */
  done?: Promise<ExecutionDocument>;
  /** Nodes copied from the original. */
  reused: number;
}

export interface RerunServiceDeps {
  executions: ExecutionStore;
  workflows: WorkflowStore;
  /** Where executions start (this process's executor, or the queue). */
  dispatcher: ExecutionDispatcher;
}

/**
 * Re-runs a finished execution as a new one (trigger `rerun`, `rerunOf`): the nodes that run and
 * those copied are chosen by {@link planRerun}; the copies are written with the new execution's
 * start, so a worker (queue mode) or a resume takes them as they are, and pruning the original
 * later breaks nothing. No idempotency key is carried over.
 */
export class RerunService {
  constructor(private readonly deps: RerunServiceDeps) {}

  async rerun(originalId: string, req: RerunRequest = {}): Promise<RerunStarted> {
    const original = await this.deps.executions.getExecution(originalId);
    if (!original) throw new NotFoundError(`execution "${String(originalId).slice(0, 40)}" not found`);
    if (!isTerminal(original.status)) {
      throw new ConflictError(`execution "${original.id}" has not finished (${original.status}); re-run it once it has`, {
        code: ErrorCodes.WF_RERUN_NOT_FINISHED,
      });
    }
    const pinned = await this.deps.workflows.getVersion(original.workflowId, original.workflowVersion);
    let target: WorkflowDefinition;
    let version: number;
    if (req.version === 'latest') {
      const record = await this.deps.workflows.get(original.workflowId);
      if (!record) throw new NotFoundError(`workflow "${original.workflowId}" not found (deleted?): it has no latest version to re-run`);
      target = record.definition;
      version = record.version;
    } else {
      if (!pinned)
        throw new NotFoundError(`workflow "${original.workflowId}" version ${original.workflowVersion} not found: nothing to re-run`);
      target = pinned;
      version = original.workflowVersion;
    }
    if (req.fromNodes) checkFromNodes(req.fromNodes, target);
    const originalTypes = req.version === 'latest' ? new Map((pinned?.nodes ?? []).map((n) => [n.id, n.type])) : null;
    const plan = planRerun(original, target, req.fromNodes, originalTypes);
    const started = await this.deps.dispatcher.dispatch(target, {
      workflowId: original.workflowId,
      workflowVersion: version,
      inputs: req.inputs ?? original.inputs,
      trigger: 'rerun',
      idempotencyKey: null,
      lineage: { rerunOf: original.id },
      seed: plan.reused,
    });
    return {
      executionId: started.executionId,
      status: started.done ? 'running' : 'pending',
      done: started.done,
      reused: plan.reused.length,
    };
  }
}

/** Every `fromNodes` entry must name a node of the version that runs (400 with its path otherwise). */
function checkFromNodes(fromNodes: readonly string[], target: WorkflowDefinition): void {
  const ids = new Set(target.nodes.map((n) => n.id));
  const issues: ValidationIssue[] = [];
  fromNodes.forEach((id, i) => {
    if (!ids.has(id))
      issues.push({ path: `body.fromNodes[${i}]`, message: `no node "${String(id).slice(0, 200)}" in the workflow version being re-run` });
  });
  if (issues.length) throw new ValidationError(`invalid re-run: ${issues[0]!.path} ${issues[0]!.message}`, { details: issues });
}
