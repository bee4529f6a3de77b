import type { ExecutionPlan, PlannedNode } from '../dag/execution-plan';
import type { ExecutionDocument, ExecutionStatus, NodeExecutionRecord, SkipReason } from '../model/execution-document';
import type { ExecutionStore } from '../store/execution-store';
import type { EventBus } from '../events/event-bus';
import type { Clock } from '../services/clock';
import type { Logger } from '../services/logger';
import type { NodeRunContext, TemplateScope } from '../plugin/node-type';
import { ExecutionContext } from '../context/execution-context';
import { renderValue } from '../context/compiled-value';
import { CancelledError, TimeoutError, WeftError } from '../errors/weft-error';
import { serializeError, type SerializedError } from '../errors/error-serializer';
import { ErrorCodes } from '../errors/error-codes';
import { runAttempts } from './node-attempts';
import { AbortFanout } from './abort-fanout';
import { RunContext } from './run-context';
import { ExecutionEventPublisher } from './execution-event-publisher';
import { WriteTracker } from './write-tracker';
import { cancelledRecord, finishedRecord, renderOutputs, runningRecord, skippedRecord } from './node-records';
import { ExecutionSecrets } from '../secrets/execution-secrets';
import type { SecretStore } from '../secrets/secret-store';

/** Per-node outcome used for scheduling (a node its fallback recovered counts as SUCCEEDED). */
const enum Outcome { None, Succeeded, Failed, SkippedBranch, SkippedUpstream, Cancelled }

export interface ExecutionRunDeps {
  store: ExecutionStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  maxParallel: number;
  maxOutputBytes: number;
  /** Where `{{ secrets.NAME }}` values come from (null: none exist). */
  secrets: SecretStore | null;
}

export interface ExecutionRunInit {
  id: string;
  workflowId: string;
  workflowVersion: number;
  trigger: ExecutionDocument['trigger'];
  inputs: Record<string, unknown>;
  idempotencyKey: string | null;
  startedAt: string;
  resumed?: readonly NodeExecutionRecord[];
  /** Secrets the execution used before it started (a webhook's): redacted from the start. */
  usedSecrets?: Readonly<Record<string, string>>;
}

/** Why an execution stopped early. */
type StopKind = 'failed' | 'cancelled' | 'interrupted';

/**
 * One execution: dependency-driven scheduling (a node starts when all its upstreams are
 * terminal, no level barriers), at most `maxParallel` nodes at once, branches, skips, joins,
 * failure modes, fallbacks, timeouts and cancellation.
 */
export class ExecutionRun {
  readonly done: Promise<ExecutionDocument>;
  private resolveDone!: (doc: ExecutionDocument) => void;
  private readonly remainingIn: Int32Array;
  private readonly activeIn: Int32Array;
  private readonly failedIn: Int32Array;
  private readonly upstreamFailedIn: Int32Array;
  private readonly outcome: Uint8Array;
  private readonly branch: (string | null)[];
  private readonly records: (NodeExecutionRecord | undefined)[];
  private readonly resumed = new Map<string, NodeExecutionRecord>();
  private readonly queue: number[] = [];
  private qHead = 0;
  private running = 0;
  private terminal = 0;
  private failed = 0;
  private stopKind: StopKind | null = null;
  private stopError: SerializedError | null = null;
  private readonly controller = new AbortController();
  private readonly abort = new AbortFanout(this.controller.signal);
  private context: ExecutionContext | null;
  private timer: NodeJS.Timeout | undefined;
  private readonly writes: WriteTracker;
  private readonly events: ExecutionEventPublisher;
  /** Node events held back until the commit that ends the execution (their records ride in it). */
  private heldEvents: NodeExecutionRecord[] = [];
  private finished = false;
  private logger: Logger | null = null;
  /** Secret values this execution read, and the redaction of everything it records, publishes and logs. */
  private readonly secrets: ExecutionSecrets;

  constructor(private readonly plan: ExecutionPlan, private readonly init: ExecutionRunInit, private readonly deps: ExecutionRunDeps) {
    this.secrets = new ExecutionSecrets(deps.secrets);
    for (const [name, value] of Object.entries(init.usedSecrets ?? {})) this.secrets.redactor.add(name, value);
    this.events = new ExecutionEventPublisher(deps.bus, init.id, init.workflowId, () => this.now(), (e) => this.secrets.redact(e));
    this.writes = new WriteTracker((error, raw) => {
      this.log.error({ err: raw }, 'execution store write failed');
      this.stop('failed', serializeError(error, false));
    });
    this.done = new Promise((r) => (this.resolveDone = r));
    const n = plan.nodes.length;
    this.remainingIn = new Int32Array(n);
    this.activeIn = new Int32Array(n);
    this.failedIn = new Int32Array(n);
    this.upstreamFailedIn = new Int32Array(n);
    this.outcome = new Uint8Array(n);
    this.branch = new Array(n).fill(null);
    this.records = new Array(n);
    for (const node of plan.nodes) this.remainingIn[node.index] = node.upstream.length;
    for (const r of init.resumed ?? []) this.resumed.set(r.nodeId, r);
    this.context = new ExecutionContext(plan.definition.variables, init.inputs, { id: init.id, startedAt: init.startedAt });
  }

  get id(): string {
    return this.init.id;
  }

  /** The execution's logger (every line carries its id), made on first use: most runs never log. */
  private get log(): Logger {
    return (this.logger ??= this.secrets.logger(this.deps.logger.child({ executionId: this.init.id, workflowId: this.init.workflowId })));
  }

  /** Starts scheduling; `done` settles when the execution ends. */
  start(): void {
    this.events.emit({ kind: 'execution', status: 'running' });
    const timeoutMs = this.plan.settings.timeoutMs;
    if (timeoutMs !== null) {
      this.timer = setTimeout(() => this.stop('failed', serializeError(new TimeoutError(`workflow timed out after ${timeoutMs} ms`, { code: ErrorCodes.WF_WORKFLOW_TIMEOUT }), false)), timeoutMs);
    }
    for (const node of this.plan.nodes) if (!node.isFallback && node.upstream.length === 0) this.queue.push(node.index);
    this.pump();
    this.maybeFinish();
  }

  cancel(reason = 'cancelled'): void {
    this.stop('cancelled', serializeError(new CancelledError(reason), false));
  }

  /** Stops starting nodes; running ones finish (until `abort`); the execution stays resumable. */
  interrupt(): void {
    if (this.stopKind === null) this.stopKind = 'interrupted';
    this.maybeFinish();
  }

  /** Ends an interrupted execution's running nodes without recording them. */
  abortInterrupted(): void {
    if (this.stopKind === 'interrupted') this.controller.abort(new CancelledError('weft is shutting down'));
  }

  get isRunning(): boolean {
    return !this.finished;
  }

  private stop(kind: StopKind, error: SerializedError | null): void {
    if (this.stopKind !== null || this.finished) return;
    this.stopKind = kind;
    this.stopError = error;
    const reason = kind === 'failed' && error?.type === 'TimeoutError' ? new TimeoutError(error.message, { code: error.code }) : new CancelledError(kind === 'cancelled' ? error?.message ?? 'cancelled' : 'execution stopped after a node failed');
    this.controller.abort(reason);
    this.maybeFinish();
  }

  private pump(): void {
    while (this.stopKind === null && this.running < this.deps.maxParallel && this.qHead < this.queue.length) {
      const i = this.queue[this.qHead++]!;
      this.running++;
      this.runNode(this.plan.nodes[i]!).then(
        () => this.afterNode(),
        (err) => {
          this.log.error({ err, nodeId: this.plan.nodes[i]!.id }, 'executor error');
          this.stop('failed', serializeError(err, false));
          this.afterNode();
        },
      );
    }
  }

  private afterNode(): void {
    this.running--;
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
    this.pump();
    this.maybeFinish();
  }

  private async runNode(node: PlannedNode): Promise<void> {
    const prior = this.resumed.get(node.id);
    if (prior && (prior.status === 'succeeded' || prior.status === 'failed')) return this.adopt(node, prior);
    const ran = await this.execute(node, null);
    if (this.stopKind === 'interrupted' && ran.status === 'cancelled') return;
    let recoveredBy: string | null = null;
    if (ran.status === 'failed' && node.fallback >= 0 && this.stopKind === null) {
      const fb = this.plan.nodes[node.fallback]!;
      this.context!.setError(node.id, publicError(ran.error));
      const fbRec = await this.execute(fb, node.id);
      await this.writes.track(this.deps.store.nodeFinished(this.init.id, fbRec));
      this.events.emitNode(fbRec);
      if (fbRec.status === 'succeeded') {
        recoveredBy = fb.id;
        ran.recoveredBy = fb.id;
        this.context!.setError(node.id, publicError(ran.error), fbRec.output);
      }
    }
    const recorded = this.writes.track(this.deps.store.nodeFinished(this.init.id, ran));
    // a node's record is durable before any later node starts, so a crash loses at most the nodes
    // in flight; when nothing can start after this node (it is the only one running, nothing is
    // queued, nothing is downstream), its record rides in the commit that ends the execution.
    // Either way its event is published only once the record is durable.
    if (this.lastToRun(node)) this.heldEvents.push(ran);
    else {
      await recorded;
      this.events.emitNode(ran);
    }
    if (ran.status === 'succeeded' || recoveredBy) {
      if (!recoveredBy) this.context!.setOutput(node.id, ran.output);
      this.branch[node.index] = node.branching ? (this.context!.getOutput(node.id) as { branch?: string } | null)?.branch ?? null : null;
      this.complete(node.index, Outcome.Succeeded);
    } else if (ran.status === 'failed') {
      if (!this.context!.hasOutput(node.id)) this.context!.setError(node.id, publicError(ran.error));
      this.failed++;
      this.complete(node.index, Outcome.Failed);
      const threshold = this.plan.settings.failureThreshold;
      if (this.plan.settings.onNodeFailure === 'stop') this.stop('failed', nodeError(node.id, ran));
      else if (threshold !== null && this.failed / this.plan.scheduledCount > threshold) {
        this.stop('failed', { ...nodeError(node.id, ran), message: `failure threshold ${threshold} exceeded (${this.failed} of ${this.plan.scheduledCount} nodes failed); last: ${ran.error!.message}` });
      }
    } else this.complete(node.index, Outcome.Cancelled);
  }

  /** True when no node can start after `node` ends: it alone runs, nothing waits in the queue, nothing is downstream. */
  private lastToRun(node: PlannedNode): boolean {
    return this.running === 1 && this.qHead >= this.queue.length && node.downstream.length === 0;
  }

  /** Runs one node (or a fallback for `fallbackFor`) and returns its finished record (not yet written). */
  private async execute(node: PlannedNode, fallbackFor: string | null): Promise<NodeExecutionRecord> {
    // outputs are redacted when recorded, and the context holds the recorded value: a first run,
    // a resume and a re-run all see the same thing
    const finished = this.secrets.redact(await this.attempt(node, fallbackFor));
    this.flushTokens(node.id, finished.attempts);
    this.records[node.index] = finished;
    return finished;
  }

  private async attempt(node: PlannedNode, fallbackFor: string | null): Promise<NodeExecutionRecord> {
    const startMs = this.deps.clock.now();
    const rec = runningRecord(node.id, new Date(startMs).toISOString(), fallbackFor);
    this.records[node.index] = rec;
    this.writes.track(this.deps.store.nodeStarted(this.init.id, { ...rec }));
    this.events.emit({ kind: 'node', nodeId: node.id, status: 'running', attempt: 1 });
    const scope = this.context!.scope;
    let config: unknown;
    try {
      config = renderValue(node.config, await this.secrets.renderScope(node.secretNames, scope));
    } catch (err) {
      return finishedRecord(rec, startMs, this.deps.clock.now(), { status: 'failed', attempts: 1, error: { ...serializeError(err), attempt: 1, input: null } });
    }
    const ctx = this.nodeContext(node, scope);
    const result = await runAttempts({
      node,
      config,
      ctx,
      abort: this.abort,
      clock: this.deps.clock,
      maxOutputBytes: this.deps.maxOutputBytes,
      onRetry: (attempt, delayMs, error) => this.events.emit({ kind: 'node', nodeId: node.id, status: 'retrying', attempt, delayMs, error }),
    });
    if (result.ok) return finishedRecord(rec, startMs, this.deps.clock.now(), { status: 'succeeded', attempts: result.attempts, output: result.output ?? null, attemptErrors: result.attemptErrors });
    const status = result.aborted ? 'cancelled' : 'failed';
    return finishedRecord(rec, startMs, this.deps.clock.now(), { status, attempts: result.attempts, error: result.record, attemptErrors: result.attemptErrors });
  }

  private nodeContext(node: PlannedNode, scope: TemplateScope): NodeRunContext {
    return new RunContext(this, node, scope, this.controller.signal);
  }

  /** For {@link RunContext}: the outputs of the node's upstream nodes. */
  upstreamOf(node: PlannedNode): NodeRunContext['upstream'] {
    return node.upstream
      .map((u) => this.plan.nodes[u]!.id)
      .filter((id) => this.context?.hasOutput(id))
      .map((id) => ({ nodeId: id, output: this.context!.getOutput(id) }));
  }

  /** For {@link RunContext}. */
  childLogger(nodeId: string): Logger {
    return this.log.child({ nodeId });
  }

  /** For {@link RunContext}: a streamed token event. */
  token(nodeId: string, attempt: number, text: string): void {
    const safe = this.secrets.token(`${nodeId}#${attempt}`, text);
    if (safe) this.events.emit({ kind: 'token', nodeId, attempt, text: safe });
  }

  /** The token text a node's attempts held back (a possible start of a secret value), published once they ended. */
  private flushTokens(nodeId: string, attempts: number): void {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const rest = this.secrets.endTokens(`${nodeId}#${attempt}`);
      if (rest) this.events.emit({ kind: 'token', nodeId, attempt, text: rest });
    }
  }

  get workflowId(): string {
    return this.init.workflowId;
  }

  /** Takes a node result recorded by an earlier run of this execution (resume). */
  private adopt(node: PlannedNode, prior: NodeExecutionRecord): void {
    this.records[node.index] = prior;
    if (prior.recoveredBy) {
      const fb = this.resumed.get(prior.recoveredBy);
      const fbNode = this.plan.nodes[this.plan.byId.get(prior.recoveredBy) ?? -1];
      if (fb && fbNode) this.records[fbNode.index] = fb;
      this.context!.setError(node.id, publicError(prior.error), fb?.output ?? null);
    } else if (prior.status === 'succeeded') this.context!.setOutput(node.id, prior.output);
    else this.context!.setError(node.id, publicError(prior.error));
    if (prior.status === 'succeeded' || prior.recoveredBy) {
      this.branch[node.index] = prior.branch ?? (node.branching ? (prior.output as { branch?: string } | null)?.branch ?? null : null);
      this.complete(node.index, Outcome.Succeeded);
    } else {
      this.failed++;
      this.complete(node.index, Outcome.Failed);
      if (this.plan.settings.onNodeFailure === 'stop') this.stop('failed', nodeError(node.id, prior));
    }
  }

  /** Marks a node terminal and resolves its downstream edges (iteratively: long skip chains are fine). */
  private complete(index: number, outcome: Outcome): void {
    const work: Array<[number, Outcome]> = [[index, outcome]];
    while (work.length) {
      const [i, out] = work.pop()!;
      this.outcome[i] = out;
      this.terminal++;
      // once stopping, nothing downstream is decided: never-started nodes end `cancelled`
      if (this.stopKind !== null) continue;
      for (const edge of this.plan.nodes[i]!.downstream) {
        const d = edge.to;
        if (out === Outcome.Succeeded) {
          if (edge.branch === null || edge.branch === this.branch[i]) this.activeIn[d]!++;
        } else if (out === Outcome.Failed) this.failedIn[d]!++;
        else if (out === Outcome.SkippedUpstream) this.upstreamFailedIn[d]!++;
        if (--this.remainingIn[d]! === 0) {
          const skip = this.decide(d);
          if (skip === null) this.queue.push(d);
          else work.push([d, this.skip(d, skip)]);
        }
      }
    }
  }

  /** null: the node runs; otherwise why it is skipped. */
  private decide(d: number): SkipReason | null {
    const node = this.plan.nodes[d]!;
    const failedUp = this.failedIn[d]! + this.upstreamFailedIn[d]!;
    if (node.definition.runOnUpstreamFailure) return this.activeIn[d]! + failedUp > 0 ? null : 'branch_not_taken';
    if (failedUp > 0) return 'upstream_failed';
    return this.activeIn[d]! > 0 ? null : 'branch_not_taken';
  }

  private skip(d: number, reason: SkipReason): Outcome {
    const node = this.plan.nodes[d]!;
    const prior = this.resumed.get(node.id);
    const rec = skippedRecord(node.id, reason);
    this.records[d] = rec;
    if (!prior || prior.status !== 'skipped') this.writes.track(this.deps.store.nodeFinished(this.init.id, rec));
    this.events.emitNode(rec);
    return reason === 'upstream_failed' ? Outcome.SkippedUpstream : Outcome.SkippedBranch;
  }

  private maybeFinish(): void {
    if (this.finished || this.running > 0) return;
    if (this.stopKind === null && this.terminal < this.plan.scheduledCount) {
      if (this.qHead < this.queue.length) return;
      // nothing runs, nothing is queued, yet nodes are not terminal: cannot happen for a validated DAG
      this.stop('failed', serializeError(new WeftError('executor stalled: no runnable node', { code: ErrorCodes.WF_INTERNAL }), false));
      return;
    }
    this.finished = true;
    void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const kind = this.stopKind;
    if (kind !== 'interrupted') {
      for (const node of this.plan.nodes) {
        if (this.records[node.index] || node.isFallback) continue;
        const rec = cancelledRecord(node.id);
        this.records[node.index] = rec;
        this.writes.track(this.deps.store.nodeFinished(this.init.id, rec));
      }
    }
    const status: ExecutionStatus = kind === 'cancelled' ? 'cancelled' : kind === 'failed' ? 'failed' : kind === 'interrupted' ? 'running' : this.failed > 0 ? 'partially_succeeded' : 'succeeded';
    const finishedAt = this.now();
    const durationMs = Date.parse(finishedAt) - Date.parse(this.init.startedAt);
    const outputs = kind === null && this.plan.outputs ? renderOutputs(this.plan.outputs, this.context!.scope) : null;
    let result = { status, outputs, error: this.stopError, finishedAt, durationMs };
    // the end is queued behind the node records still being written (the store commits in
    // order), so it usually shares their commit instead of waiting for one of its own
    const ended = kind === 'interrupted' ? null : this.record(result);
    if (this.writes.inFlight > 0) await this.writes.whenDrained();
    if (ended) await ended;
    for (const rec of this.heldEvents.splice(0)) this.events.emitNode(rec);
    if (ended) {
      if (this.writes.error && status !== 'failed' && status !== 'cancelled') {
        // a node record was lost: the execution did not keep its durability promise
        result = { ...result, status: 'failed', outputs: null, error: serializeError(this.writes.error, false) };
        await this.record(result);
      }
      this.events.emit({ kind: 'execution', status: result.status, error: result.error });
    }
    const doc: ExecutionDocument = {
      id: this.init.id,
      workflowId: this.init.workflowId,
      workflowVersion: this.init.workflowVersion,
      trigger: this.init.trigger,
      inputs: this.init.inputs,
      idempotencyKey: this.init.idempotencyKey,
      startedAt: this.init.startedAt,
      ...result,
      finishedAt: kind === 'interrupted' ? null : finishedAt,
      nodes: this.records.filter((r): r is NodeExecutionRecord => r !== undefined),
    };
    this.context = null;
    this.resolveDone(doc);
  }

  /** Records the end of the execution (a refusal is logged: the execution has ended either way). */
  private async record(result: Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>): Promise<void> {
    try {
      await this.deps.store.finishExecution(this.init.id, result);
    } catch (err) {
      this.log.error({ err }, 'could not record the end of the execution');
    }
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}

/** What downstream nodes and fallbacks see as `nodes.<id>.error` (no stack, no input snapshot). */
function publicError(e: NodeExecutionRecord['error']): unknown {
  return e ? { type: e.type, code: e.code, message: e.message, attempt: e.attempt } : null;
}

function nodeError(nodeId: string, rec: NodeExecutionRecord): SerializedError {
  const e = rec.error!;
  return { type: e.type, code: e.code, message: `node "${nodeId}" failed: ${e.message}`, details: { nodeId } };
}
