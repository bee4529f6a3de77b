import type { PlannedNode } from '../dag/execution-plan';
import type { NodeExecutionRecord, SkipReason } from '../model/execution-document';
import type { WaitSpec } from '../plugin/park-request';
import { cancelledRecord, skippedRecord } from './node-records';
import { KeptOutputs } from './kept-outputs';
import { nodeError, publicError, standingFallback, type NodeLifecycleHost, type NodeLifecycleParts } from './node-lifecycle-parts';
import { runNodeAttempts, wokenFrom, type WokenNode } from './node-attempt-runner';
import { waitCancelledRecord, waitEndedRecord } from './wait-end-records';

/**
 * One node's life in an execution: taking a result an earlier run recorded (resume), its
 * attempts, its fallback, its record and its event, in the order that keeps the durability
 * promise (a node's event is published only once its record is durable). Owns the records of
 * the execution's nodes, which become the execution document's `nodes`.
 */
export class NodeLifecycle {
  private readonly records: (NodeExecutionRecord | undefined)[];
  private readonly resumed = new Map<string, NodeExecutionRecord>();
  /** Node events held back until the commit that ends the execution (their records ride in it). */
  private readonly held: NodeExecutionRecord[] = [];
  /** What each node that just parked waits for, until its record is written. */
  private readonly parking = new Map<number, WaitSpec>();
  /** Outputs the store keeps apart: out of memory unless a running node may read them. */
  private readonly kept: KeptOutputs;
  private waitsOfResume: Promise<Map<string, WaitSpec>> | null = null;

  constructor(
    private readonly parts: NodeLifecycleParts,
    private readonly host: NodeLifecycleHost,
  ) {
    this.records = new Array(parts.plan.nodes.length);
    this.kept = new KeptOutputs(parts.deps.store, parts.executionId, parts.context);
    for (const r of parts.resumed) this.resumed.set(r.nodeId, r);
  }

  /** Runs `node` (or takes its earlier result) and reports how it ended through the host. */
  async run(node: PlannedNode): Promise<void> {
    const prior = this.resumed.get(node.id);
    if (prior && (prior.status === 'succeeded' || prior.status === 'failed')) return this.adopt(node, prior);
    if (prior?.status === 'waiting') {
      this.records[node.index] = prior;
      // a failed node whose fallback parked: the fallback's wake goes on with it
      const fb = standingFallback(this.parts.plan, node, (id) => this.resumed.get(id));
      if (fb?.status === 'running') return this.runFrom(node, null, false, wokenFrom(fb));
      if (fb) this.records[this.parts.plan.nodes[node.fallback]!.index] = fb;
      // still waiting (another node, or the workflow deadline, woke the execution): parks again as it is
      return this.host.ended(node, { kind: 'waiting', wait: (await this.resumedWaits()).get(fb?.nodeId ?? node.id) ?? null });
    }
    // left `running` (a wake, or a crash): the same attempt goes on
    return this.runFrom(node, prior?.status === 'running' ? wokenFrom(prior) : null, false);
  }

  /**
   * Runs a parked node (or the fallback parked for it) again while its execution is still in
   * memory (the child it waited on ended, or its deadline came): the same attempt, with the
   * deadline it parked with.
   */
  async resumeParked(node: PlannedNode, wait: WaitSpec): Promise<void> {
    const waiting = this.records[node.index];
    if (waiting?.status !== 'waiting') return;
    const woken = (r: NodeExecutionRecord) => ({ record: r, deadlineAt: wait.kind === 'timer' ? null : (wait.timeoutAt ?? null) });
    const fb = standingFallback(this.parts.plan, node, (id) => this.records[this.parts.plan.byId.get(id) ?? -1]);
    if (fb?.status === 'waiting') return this.runFrom(node, null, true, woken(fb));
    return this.runFrom(node, woken(waiting), true);
  }

  /**
   * `inPlace`: a parked node this run woke, whose wait row is still stored (its end drops it).
   * `fallbackWoken`: the node had failed and its fallback parked; the fallback goes on.
   */
  private async runFrom(
    node: PlannedNode,
    woken: WokenNode | null,
    inPlace: boolean,
    fallbackWoken: WokenNode | null = null,
  ): Promise<void> {
    const { context, deps, writes, events, plan } = this.parts;
    // the failed record was kept `waiting` while its fallback waited
    let ran = fallbackWoken
      ? (this.records[node.index] = { ...this.records[node.index]!, status: 'failed' })
      : await this.execute(node, null, woken);
    if (ran.status === 'waiting') return this.park(node, ran);
    if (this.host.stopKind === 'interrupted' && ran.status === 'cancelled') return this.host.ended(node, { kind: 'interrupted' });
    let recovered = false;
    let output = ran.output;
    if (ran.status === 'failed' && node.fallback >= 0 && this.host.stopKind === null) {
      const fb = plan.nodes[node.fallback]!;
      context.setError(node.id, publicError(ran.error));
      const fbRec = await this.execute(fb, node.id, fallbackWoken);
      if (fbRec.status === 'waiting') return this.park(node, fbRec, fb, ran);
      const store = deps.store;
      const fbWrite = writes.track(
        inPlace && store.waitEnded ? store.waitEnded(this.parts.executionId, fbRec) : store.nodeFinished(this.parts.executionId, fbRec),
      );
      const fbRef = this.kept.take(fbRec);
      await fbWrite;
      events.emitNode(fbRec);
      if (fbRec.status === 'succeeded') {
        recovered = true;
        ran.recoveredBy = fb.id;
        output = fbRec.output;
        if (fbRef) {
          this.records[fb.index] = { ...fbRec, output: fbRef };
          context.setKeptOutput(node.id, fbRef, this.kept.loader(fb.id), publicError(ran.error));
        } else context.setError(node.id, publicError(ran.error), fbRec.output);
      }
    }
    const store = deps.store;
    const recorded = writes.track(
      inPlace && store.waitEnded ? store.waitEnded(this.parts.executionId, ran) : store.nodeFinished(this.parts.executionId, ran),
    );
    const ref = this.kept.take(ran);
    if (ref) {
      // recorded: from now on only its reference stays in memory
      this.records[node.index] = { ...ran, output: ref };
      ran = this.records[node.index]!;
    }
    // a node's record is durable before any later node starts, so a crash loses at most the nodes
    // in flight; when nothing can start after this node (it is the only one running, nothing is
    // queued, nothing is downstream), its record rides in the commit that ends the execution.
    // Either way its event is published only once the record is durable.
    if (!inPlace && this.host.isLastToRun(node.index)) this.held.push(ran);
    else {
      await recorded;
      events.emitNode(ran);
    }
    if (ran.status === 'succeeded' || recovered) {
      const branch = this.branchOf(node, output);
      if (!recovered) {
        if (ref) context.setKeptOutput(node.id, ref, this.kept.loader(node.id, recorded));
        else context.setOutput(node.id, ran.output);
      }
      this.host.ended(node, { kind: 'succeeded', branch });
    } else if (ran.status === 'failed') {
      if (!context.hasOutput(node.id)) context.setError(node.id, publicError(ran.error));
      this.host.ended(node, { kind: 'failed', error: nodeError(node.id, ran), record: ran, resumed: false });
    } else this.host.ended(node, { kind: 'cancelled' });
  }

  /** Records a node that will not run (its incoming edges were inactive, or an upstream failed). */
  skip(index: number, reason: SkipReason): void {
    const node = this.parts.plan.nodes[index]!;
    const prior = this.resumed.get(node.id);
    const rec = skippedRecord(node.id, reason);
    this.records[index] = rec;
    if (!prior || prior.status !== 'skipped') this.parts.writes.add(this.parts.deps.store.nodeFinished(this.parts.executionId, rec));
    this.parts.events.emitNode(rec);
  }

  /** Records every scheduled node that never started, or still waits, as `cancelled` (the execution stopped first). */
  cancelUnstarted(): void {
    for (const node of this.parts.plan.nodes) {
      const waiting = this.records[node.index];
      if (waiting?.status === 'waiting') {
        const rec = waitCancelledRecord(waiting, this.parts.deps.clock.now());
        this.records[node.index] = rec;
        this.parts.writes.add(this.parts.deps.store.nodeFinished(this.parts.executionId, rec));
        this.parts.events.emitNode(rec);
        continue;
      }
      if (this.records[node.index] || node.isFallback) continue;
      const rec = cancelledRecord(node.id);
      this.records[node.index] = rec;
      this.parts.writes.add(this.parts.deps.store.nodeFinished(this.parts.executionId, rec));
    }
  }

  /** How many node events are held for the final commit. */
  get heldEventCount(): number {
    return this.held.length;
  }

  /** Publishes the node events held for the final commit (call once it is durable). */
  releaseHeldEvents(): void {
    for (const rec of this.held.splice(0)) this.parts.events.emitNode(rec);
  }

  /** The records so far, in definition order (the execution document's `nodes`). */
  nodeRecords(): NodeExecutionRecord[] {
    return this.records.filter((r): r is NodeExecutionRecord => r !== undefined);
  }

  /** Takes a node result recorded by an earlier run of this execution (resume). */
  private adopt(node: PlannedNode, prior: NodeExecutionRecord): void {
    const { context, plan } = this.parts;
    this.records[node.index] = prior;
    // the process that woke it recorded its end but runs nothing: the run that takes it publishes it
    if (this.parts.woke.has(node.id)) this.parts.events.emitNode(prior);
    if (prior.recoveredBy) {
      const fb = this.resumed.get(prior.recoveredBy);
      const fbNode = plan.nodes[plan.byId.get(prior.recoveredBy) ?? -1];
      const fbKept = fb ? this.kept.adopt(node.id, fb, publicError(prior.error)) : null;
      if (fbKept && fbNode) this.records[fbNode.index] = fbKept.record;
      if (!fbKept?.kept) context.setError(node.id, publicError(prior.error), fb?.output ?? null);
    } else if (prior.status === 'succeeded') {
      const adopted = this.kept.adopt(node.id, prior);
      this.records[node.index] = adopted.record;
      if (!adopted.kept) context.setOutput(node.id, prior.output);
    } else context.setError(node.id, publicError(prior.error));
    if (prior.status === 'succeeded' || prior.recoveredBy) {
      const branch = prior.branch ?? this.branchOf(node, prior.output);
      this.host.ended(node, { kind: 'succeeded', branch });
    } else this.host.ended(node, { kind: 'failed', error: nodeError(node.id, prior), record: prior, resumed: true });
  }

  /**
   * Records a parked node with what it waits for (durably), then reports it `waiting`. A fallback
   * that parked (`parked`) keeps the node it stands in for `waiting` too, with its `failed` record.
   */
  private async park(node: PlannedNode, rec: NodeExecutionRecord, parked = node, failed: NodeExecutionRecord | null = null): Promise<void> {
    const { deps, executionId, events } = this.parts;
    const wait = this.parking.get(parked.index)!;
    this.parking.delete(parked.index);
    // the attempt checked the store can record waits before it let the node park
    const stored = [deps.store.nodeWaiting!(executionId, rec, wait)];
    const standing = failed ? (this.records[node.index] = { ...failed, status: 'waiting' }) : null;
    if (standing) stored.push(deps.store.nodeFinished(executionId, standing));
    await this.parts.writes.track(Promise.all(stored));
    if (standing) events.emitNode(standing);
    events.emitNode(rec);
    this.host.ended(node, { kind: 'waiting', wait });
  }

  /**
   * Ends a waiting node in process (its timer, or its signal's timeout, came while other nodes
   * of the execution still ran), with the record a waker would write: timer `{ firedAt }`, a
   * signal timeout `failed` with `TimeoutError`. Reports the end through the host once durable.
   */
  async endWait(node: PlannedNode, wait: WaitSpec): Promise<void> {
    const { deps, context, events, executionId } = this.parts;
    const waiting = this.records[node.index];
    if (waiting?.status !== 'waiting') return;
    const rec = waitEndedRecord(node, waiting, wait, deps.clock.now());
    this.records[node.index] = rec;
    const store = deps.store;
    await this.parts.writes.track(store.waitEnded ? store.waitEnded(executionId, rec) : store.nodeFinished(executionId, rec));
    events.emitNode(rec);
    if (rec.status === 'succeeded') {
      context.setOutput(node.id, rec.output);
      this.host.ended(node, { kind: 'succeeded', branch: this.branchOf(node, rec.output) });
    } else {
      context.setError(node.id, publicError(rec.error));
      this.host.ended(node, { kind: 'failed', error: nodeError(node.id, rec), record: rec, resumed: false });
    }
  }

  /** What the resumed run's waiting nodes wait for, read once. */
  private resumedWaits(): Promise<Map<string, WaitSpec>> {
    const { store } = this.parts.deps;
    this.waitsOfResume ??= store.listWaits
      ? store.listWaits(this.parts.executionId).then(
          (ws) => new Map(ws.map((w) => [w.nodeId, w.wait])),
          () => new Map(),
        )
      : Promise.resolve(new Map());
    return this.waitsOfResume;
  }

  private branchOf(node: PlannedNode, output: unknown): string | null {
    if (!node.branching) return null;
    return (output as { branch?: string } | null)?.branch ?? null;
  }

  /** Runs one node (or a fallback for `fallbackFor`) and returns its finished record (not yet written). */
  private async execute(node: PlannedNode, fallbackFor: string | null, woken: WokenNode | null = null): Promise<NodeExecutionRecord> {
    // outputs are redacted when recorded, and the context holds the recorded value: a first run,
    // a resume and a re-run all see the same thing
    const finished = this.parts.secrets.redact(await this.attempt(node, fallbackFor, woken));
    this.flushTokens(node.id, finished.attempts);
    this.records[node.index] = finished;
    return finished;
  }

  /** Runs the node's attempts with the kept outputs it may read loaded, and lets go of them after. */
  private attempt(node: PlannedNode, fallbackFor: string | null, woken: WokenNode | null): Promise<NodeExecutionRecord> {
    // no output kept apart (the usual case): nothing to load, and no extra turns per node
    if (!this.parts.context.hasKeptOutputs)
      return runNodeAttempts(this.parts, { records: this.records, parking: this.parking }, node, fallbackFor, woken);
    return this.attemptHolding(node, fallbackFor, woken);
  }

  private async attemptHolding(node: PlannedNode, fallbackFor: string | null, woken: WokenNode | null): Promise<NodeExecutionRecord> {
    const upstream = node.upstream.map((u) => this.parts.plan.nodes[u]!.id);
    if (fallbackFor !== null) upstream.push(fallbackFor);
    const held = await this.kept.acquireFor(node, upstream);
    try {
      return await runNodeAttempts(this.parts, { records: this.records, parking: this.parking }, node, fallbackFor, woken);
    } finally {
      this.parts.context.releaseKept(held);
    }
  }

  /** The token text a node's attempts held back (a possible start of a secret value), published once they ended. */
  private flushTokens(nodeId: string, attempts: number): void {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const rest = this.parts.secrets.endTokens(`${nodeId}#${attempt}`);
      if (rest) this.parts.events.emit({ kind: 'token', nodeId, attempt, text: rest });
    }
  }
}
