import { DEFAULT_PRIORITY } from './execute-options';
import type { ExecutionPlan } from '../dag/execution-plan';
import { lineageOf } from '../model/execution-lineage';
import type { ExecutionDocument, ExecutionStatus } from '../model/execution-document';
import type { ExecutionContext } from '../context/execution-context';
import type { Logger } from '../services/logger';
import { serializeError, type SerializedError } from '../errors/error-serializer';
import type { ExecutionEventPublisher } from './execution-event-publisher';
import type { ExecutionRunDeps, ExecutionRunInit, StopKind } from './execution-run-init';
import type { NodeLifecycle } from './node-lifecycle';
import { renderOutputs } from './node-records';
import type { CompiledValue } from '../context/compiled-value';
import type { WriteTracker } from './write-tracker';

type EndResult = Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>;

/** How the execution stopped, as the run saw it when nothing ran any more. */
export interface FinishState {
  stopKind: StopKind | null;
  stopError: SerializedError | null;
  /** Scheduled nodes that failed (not those their fallback recovered). */
  failed: number;
}

/** What finishing an execution reads and writes. */
export interface ExecutionFinisherParts {
  plan: ExecutionPlan;
  init: ExecutionRunInit;
  deps: ExecutionRunDeps;
  context: ExecutionContext;
  writes: WriteTracker;
  events: ExecutionEventPublisher;
  nodes: NodeLifecycle;
  log: () => Logger;
}

/**
 * Ends an execution once nothing runs: records the nodes that never started, the execution's
 * end (after every node record, usually in the same commit), publishes the held node events and
 * the execution's end, and builds the execution document. An interrupted execution records
 * nothing more: it stays `running` so recovery resumes it.
 */
export class ExecutionFinisher {
  constructor(private readonly parts: ExecutionFinisherParts) {}

  async finish(state: FinishState): Promise<ExecutionDocument> {
    const { plan, writes, events, nodes } = this.parts;
    const kind = state.stopKind;
    if (kind !== 'interrupted') nodes.cancelUnstarted();
    const status = endStatus(kind, state.failed);
    const finishedAt = this.now();
    const rendered = kind === null && plan.outputs ? this.renderWorkflowOutputs(plan.outputs) : null;
    const outputs = rendered instanceof Promise ? await rendered : rendered;
    let result: EndResult = { status, outputs, error: state.stopError, finishedAt, durationMs: this.durationTo(finishedAt) };
    // the end is queued behind the node records still being written (the store commits in
    // order), so it usually shares their commit instead of waiting for one of its own
    const ended = kind === 'interrupted' ? null : this.record(result);
    if (writes.inFlight > 0) await writes.whenDrained();
    if (ended) await ended;
    nodes.releaseHeldEvents();
    if (ended) {
      if (writes.error && status !== 'failed' && status !== 'cancelled') {
        // a node record was lost: the execution did not keep its durability promise
        result = { ...result, status: 'failed', outputs: null, error: serializeError(writes.error, false) };
        await this.record(result);
      }
      events.emit({ kind: 'execution', status: result.status, error: result.error });
    }
    return this.document({ ...result, finishedAt: kind === 'interrupted' ? null : finishedAt });
  }

  /**
   * Parks an execution whose remaining nodes all wait: once every node record is durable, the
   * store marks it `waiting` (with the workflow deadline, if any). Returns the document as it is
   * now, or null when the store refused because a cancel request is open.
   */
  async park(deadlineAt: number | null): Promise<ExecutionDocument | null> {
    const { writes, events, nodes, deps, init } = this.parts;
    if (writes.inFlight > 0) await writes.whenDrained();
    if (writes.error) throw writes.error;
    // the events released here and the `waiting` one are numbered before the park records the last number
    const last = events.lastSeq + nodes.heldEventCount + 1;
    if (!(await deps.store.parkExecution!(init.id, deadlineAt, last))) return null;
    nodes.releaseHeldEvents();
    events.emit({ kind: 'execution', status: 'waiting' });
    return this.document({ status: 'waiting', outputs: null, error: null, finishedAt: null, durationMs: null });
  }

  /**
   * The end of an execution whose {@link finish} threw: `failed` with that error, recorded and
   * published as far as the store and the bus allow. Never throws, so `done` always settles.
   */
  async finishBroken(err: unknown): Promise<ExecutionDocument> {
    try {
      this.parts.log().error({ err }, 'finishing the execution failed');
    } catch {
      // the logger is what broke: the document still goes out
    }
    const finishedAt = this.now();
    const error = serializeError(err, false);
    const result: EndResult = { status: 'failed', outputs: null, error, finishedAt, durationMs: this.durationTo(finishedAt) };
    await this.record(result);
    try {
      this.parts.events.emit({ kind: 'execution', status: result.status, error: result.error });
    } catch (emitErr) {
      this.parts.log().error({ err: emitErr }, 'could not publish the end of the execution');
    }
    let nodeRecords: ExecutionDocument['nodes'] = [];
    try {
      nodeRecords = this.parts.nodes.nodeRecords();
    } catch {
      // the records are what broke: the document goes out without them
    }
    return this.document(result, nodeRecords);
  }

  /** The workflow's `outputs`, with the kept node outputs they may name loaded for the time it takes. */
  private renderWorkflowOutputs(outputs: CompiledValue): Record<string, unknown> | Promise<Record<string, unknown>> {
    const { plan, context } = this.parts;
    const text = JSON.stringify(plan.definition.outputs ?? null);
    const ids = context.keptIds((id) => text.includes(id));
    // nothing kept apart (the usual case): no await, so the end still joins the node records' commit
    if (!ids.length) return renderOutputs(outputs, context.scope);
    return context.acquire(ids).then((held) => {
      try {
        return renderOutputs(outputs, context.scope);
      } finally {
        context.releaseKept(held);
      }
    });
  }

  private document(result: EndResult, nodes = this.parts.nodes.nodeRecords()): ExecutionDocument {
    const init = this.parts.init;
    return {
      id: init.id,
      workflowId: init.workflowId,
      workflowVersion: init.workflowVersion,
      trigger: init.trigger,
      inputs: init.inputs,
      idempotencyKey: init.idempotencyKey,
      startedAt: init.startedAt,
      ...result,
      ...lineageOf(init),
      priority: init.priority ?? DEFAULT_PRIORITY,
      nodes,
    };
  }

  /** Records the end of the execution (a refusal is logged: the execution has ended either way). */
  private async record(result: EndResult): Promise<void> {
    try {
      await this.parts.deps.store.finishExecution(this.parts.init.id, result);
    } catch (err) {
      this.parts.log().error({ err }, 'could not record the end of the execution');
    }
  }

  private durationTo(finishedAt: string): number {
    return Date.parse(finishedAt) - Date.parse(this.parts.init.startedAt);
  }

  private now(): string {
    return new Date(this.parts.deps.clock.now()).toISOString();
  }
}

/** The execution's status from how it stopped (an interrupted one stays `running`: it is resumed). */
function endStatus(kind: StopKind | null, failed: number): ExecutionStatus {
  switch (kind) {
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
    case 'interrupted':
      return 'running';
    default:
      return failed > 0 ? 'partially_succeeded' : 'succeeded';
  }
}
