import type { ExecutionPlan, PlannedNode } from '../dag/execution-plan';
import type { ExecutionDocument, SkipReason } from '../model/execution-document';
import type { Logger } from '../services/logger';
import { ExecutionContext } from '../context/execution-context';
import { CancelledError, TimeoutError, WeftError } from '../errors/weft-error';
import { serializeError, type SerializedError } from '../errors/error-serializer';
import { ErrorCodes } from '../errors/error-codes';
import { AbortFanout } from './abort-fanout';
import { ExecutionEventPublisher } from './execution-event-publisher';
import { ExecutionFinisher } from './execution-finisher';
import type { ExecutionRunDeps, ExecutionRunInit, StopKind } from './execution-run-init';
import { NodeLifecycle } from './node-lifecycle';
import type { NodeEnd, NodeLifecycleHost } from './node-lifecycle-parts';
import { NodeScheduler, Outcome, type SchedulerHost } from './node-scheduler';
import { WriteTracker } from './write-tracker';
import { ResidentWaits } from './resident-waits';
import type { WaitSpec } from '../plugin/park-request';
import { ExecutionSecrets } from '../secrets/execution-secrets';
import { isoAt } from '../services/iso-time';
import { NodeRunHost } from './node-run-host';
import { abortReason, failurePolicyError } from './failure-policy';
import { armWorkflowTimeout, workflowDeadlineAt } from './workflow-timeout';

export type { ExecutionRunDeps, ExecutionRunInit } from './execution-run-init';

/**
 * One execution: starts ready nodes into free slots ({@link NodeScheduler}), applies the failure
 * policy to how each node ended ({@link NodeLifecycle}), stops on failure, cancel, workflow
 * timeout or drain, and finishes once nothing runs ({@link ExecutionFinisher}).
 */
export class ExecutionRun implements NodeLifecycleHost, SchedulerHost {
  readonly done: Promise<ExecutionDocument>;
  private resolveDone!: (doc: ExecutionDocument) => void;
  private readonly scheduler: NodeScheduler;
  private readonly nodes: NodeLifecycle;
  private readonly finisher: ExecutionFinisher;
  /** Lives as long as the run; {@link ExecutionContext.release} drops its node results when the run ends. */
  private readonly context: ExecutionContext;
  private readonly controller = new AbortController();
  private readonly writes: WriteTracker;
  private readonly events: ExecutionEventPublisher;
  private failed = 0;
  /** Nodes of this run that parked (they wait; the execution parks once nothing else runs). */
  private parked = 0;
  /** Waiting nodes being ended in process (their end is being written): the execution neither parks nor finishes meanwhile. */
  private endingWaits = 0;
  /** Due times of the waiting nodes while other nodes still run (the execution stays in memory). */
  private readonly residentWaits: ResidentWaits;
  private stopped: StopKind | null = null;
  private stopError: SerializedError | null = null;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private logger: Logger | null = null;
  /** Secret values this execution read, and the redaction of everything it records, publishes and logs. */
  private readonly secrets: ExecutionSecrets;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly init: ExecutionRunInit,
    private readonly deps: ExecutionRunDeps,
  ) {
    this.secrets = new ExecutionSecrets(deps.secrets);
    for (const [name, value] of Object.entries(init.usedSecrets ?? {})) this.secrets.redactor.add(name, value);
    const now = () => isoAt(deps.clock.now());
    this.events = new ExecutionEventPublisher(deps.bus, init.id, init.workflowId, now, (e) => this.secrets.redact(e), init.eventSeq ?? 0);
    this.writes = new WriteTracker((error, raw) => {
      this.log.error({ err: raw }, 'execution store write failed');
      this.stop('failed', serializeError(error, false));
    });
    this.done = new Promise((r) => (this.resolveDone = r));
    this.context = new ExecutionContext(plan.definition.variables, init.inputs, { id: init.id, startedAt: init.startedAt });
    this.scheduler = new NodeScheduler(plan, deps.maxParallel, this);
    const shared = { plan, deps, context: this.context, writes: this.writes, events: this.events };
    this.nodes = new NodeLifecycle(
      {
        ...shared,
        executionId: init.id,
        abort: new AbortFanout(this.controller.signal),
        signal: this.controller.signal,
        resumed: init.resumed ?? [],
        woke: new Set(init.woke ?? []),
        secrets: this.secrets,
        runHost: new NodeRunHost(init.id, init.workflowId, plan, this.context, this.events, this.secrets, deps.clock, () => this.log),
      },
      this,
    );
    this.residentWaits = new ResidentWaits(
      () => deps.clock.now(),
      (index, wait) => this.endWait(index, wait),
      { events: deps.bus, executions: deps.store },
    );
    this.finisher = new ExecutionFinisher({ ...shared, init, nodes: this.nodes, log: () => this.log });
  }

  get id(): string {
    return this.init.id;
  }

  get workflowId(): string {
    return this.init.workflowId;
  }

  get isRunning(): boolean {
    return !this.finished;
  }

  /** The execution's logger (every line carries its id), made on first use: most runs never log. */
  private get log(): Logger {
    return (this.logger ??= this.secrets.logger(this.deps.logger.child({ executionId: this.init.id, workflowId: this.init.workflowId })));
  }

  /**
   * Starts scheduling; `done` settles when the execution ends, or parks (`waiting`). The workflow's
   * `timeoutMs` counts from the execution's start, so a resumed run (after a crash or a wait) has
   * only what is left of it, and one resumed past it times out before any node runs.
   */
  start(): void {
    this.events.emit({ kind: 'execution', status: 'running' });
    this.timer = armWorkflowTimeout(this.plan, this.init, this.deps.clock.now(), (timeoutMs) => {
      const error = new TimeoutError(`workflow timed out after ${timeoutMs} ms`, { code: ErrorCodes.WF_WORKFLOW_TIMEOUT });
      this.stop('failed', serializeError(error, false));
    });
    this.scheduler.enqueueRoots();
    this.pump();
    this.maybeFinish();
  }

  cancel(reason = 'cancelled'): void {
    this.stop('cancelled', serializeError(new CancelledError(reason), false));
  }

  /** Stops starting nodes; running ones finish (until `abort`); the execution stays resumable. */
  interrupt(): void {
    if (this.stopped === null) this.stopped = 'interrupted';
    this.maybeFinish();
  }

  /** Ends an interrupted execution's running nodes unrecorded; coded apart from a cancel, so a child it started or parked on runs on. */
  abortInterrupted(): void {
    if (this.stopped !== 'interrupted') return;
    this.controller.abort(new CancelledError('weft is shutting down', { code: ErrorCodes.WF_INTERRUPTED }));
  }

  /** For {@link NodeLifecycle}: why the execution stopped, null while it runs on. */
  get stopKind(): StopKind | null {
    return this.stopped;
  }

  /** For {@link NodeScheduler}. */
  get stopping(): boolean {
    return this.stopped !== null;
  }

  /** For {@link NodeScheduler}. */
  skip(index: number, reason: SkipReason): Outcome {
    this.nodes.skip(index, reason);
    return reason === 'upstream_failed' ? Outcome.SkippedUpstream : Outcome.SkippedBranch;
  }

  /** For {@link NodeLifecycle}. */
  isLastToRun(index: number): boolean {
    return this.scheduler.isLastToRun(index);
  }

  /** For {@link NodeLifecycle}: applies how a node ended to scheduling and the failure policy. */
  ended(node: PlannedNode, end: NodeEnd): void {
    switch (end.kind) {
      case 'succeeded':
        return this.scheduler.complete(node.index, Outcome.Succeeded, end.branch);
      case 'cancelled':
        return this.scheduler.complete(node.index, Outcome.Cancelled);
      case 'interrupted':
        return;
      case 'waiting':
        this.parked++;
        if (end.wait) this.residentWaits.arm(node.index, end.wait);
        return;
      case 'failed':
        this.failed++;
        this.scheduler.complete(node.index, Outcome.Failed);
        return this.applyFailurePolicy(end);
    }
  }

  /** Stops the execution when the workflow's failure policy says this failure ends it. */
  private applyFailurePolicy(end: Extract<NodeEnd, { kind: 'failed' }>): void {
    const error = failurePolicyError(this.plan, this.failed, end);
    if (error) this.stop('failed', error);
  }

  private stop(kind: StopKind, error: SerializedError | null): void {
    if (this.stopped !== null || this.finished) return;
    this.stopped = kind;
    this.residentWaits.clearAll();
    this.stopError = error;
    this.controller.abort(abortReason(kind, error));
    this.maybeFinish();
  }

  private pump(): void {
    while (this.stopped === null) {
      const i = this.scheduler.take();
      if (i < 0) return;
      const node = this.plan.nodes[i]!;
      this.nodes.run(node).then(
        () => this.afterNode(),
        (err) => {
          this.log.error({ err, nodeId: node.id }, 'executor error');
          this.stop('failed', serializeError(err, false));
          this.afterNode();
        },
      );
    }
  }

  private afterNode(): void {
    this.scheduler.release();
    this.pump();
    this.maybeFinish();
  }

  /** A waiting node's due time came while the execution still ran: it ends here, on time (one parked on a child runs again). */
  private endWait(index: number, wait: WaitSpec): void {
    if (this.finished || this.stopped !== null) return;
    const node = this.plan.nodes[index]!;
    this.parked--;
    this.endingWaits++;
    (wait.kind === 'child' || wait.kind === 'children' ? this.nodes.resumeParked(node, wait) : this.nodes.endWait(node, wait)).then(
      () => this.afterWaitEnded(),
      (err) => {
        this.log.error({ err, nodeId: node.id }, 'ending a wait failed');
        this.stop('failed', serializeError(err, false));
        this.afterWaitEnded();
      },
    );
  }

  private afterWaitEnded(): void {
    this.endingWaits--;
    this.pump();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || this.scheduler.running > 0 || this.endingWaits > 0) return;
    if (this.stopped === null && this.scheduler.terminal < this.plan.scheduledCount) {
      if (this.scheduler.hasQueued) return;
      if (this.parked > 0) {
        // every node left waits: the execution parks and leaves memory (its rows are its state)
        this.finished = true;
        this.residentWaits.clearAll();
        void this.park();
        return;
      }
      // nothing runs, nothing is queued, yet nodes are not terminal: cannot happen for a validated DAG
      this.stop('failed', serializeError(new WeftError('executor stalled: no runnable node', { code: ErrorCodes.WF_INTERNAL }), false));
      return;
    }
    this.finished = true;
    void this.finish();
  }

  /**
   * Parks the execution (`waiting`) and settles `done` with its document as it is now. An open
   * cancel request refuses the park: the run goes on to end `cancelled`.
   */
  private async park(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const deadlineAt = workflowDeadlineAt(this.plan, this.init);
    let doc: ExecutionDocument | null;
    try {
      doc = await this.finisher.park(deadlineAt);
    } catch (err) {
      this.log.error({ err }, 'parking the execution failed');
      this.finished = false;
      return this.stop('failed', serializeError(err, false));
    }
    if (!doc) {
      this.finished = false;
      return this.cancel('cancelled by request');
    }
    this.context.release();
    this.resolveDone(doc);
  }

  /** Settles `done` whatever happens: a throw while finishing ends the execution `failed` with that error. */
  private async finish(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.residentWaits.clearAll();
    let doc: ExecutionDocument;
    try {
      doc = await this.finisher.finish({ stopKind: this.stopped, stopError: this.stopError, failed: this.failed });
    } catch (err) {
      doc = await this.finisher.finishBroken(err);
    } finally {
      this.context.release();
    }
    this.resolveDone(doc);
  }
}
