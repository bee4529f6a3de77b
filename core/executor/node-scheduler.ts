import type { ExecutionPlan } from '../dag/execution-plan';
import type { SkipReason } from '../model/execution-document';

/** A terminal node's outcome for scheduling (a node its fallback recovered counts as `Succeeded`). */
export const enum Outcome {
  None,
  Succeeded,
  Failed,
  SkippedBranch,
  SkippedUpstream,
  Cancelled,
}

/** What the scheduler asks of its execution while it resolves downstream edges. */
export interface SchedulerHost {
  /** True once the execution stops: nothing downstream is decided any more (never-started nodes end `cancelled`). */
  readonly stopping: boolean;
  /** Records node `index` as skipped for `reason` and returns its outcome. */
  skip(index: number, reason: SkipReason): Outcome;
}

/**
 * The ready queue, the slot count and the per-node counters of one execution: a node becomes
 * ready as soon as all its upstream nodes are terminal (no level barrier), and at most
 * `maxParallel` nodes hold a slot at once.
 *
 * A node that parks without finishing (a future `waiting` node) gives its slot back with
 * {@link release} and does not call {@link complete}; when it is woken, {@link enqueue} puts it
 * back in the queue.
 */
export class NodeScheduler {
  /** Nodes that hold a slot (started and not yet finished). */
  running = 0;
  /** Nodes that reached a terminal outcome (the run ends once all scheduled ones have). */
  terminal = 0;
  private readonly remainingIn: Int32Array;
  private readonly activeIn: Int32Array;
  private readonly failedIn: Int32Array;
  private readonly upstreamFailedIn: Int32Array;
  private readonly outcome: Uint8Array;
  private readonly branch: (string | null)[];
  private readonly queue: number[] = [];
  private head = 0;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly maxParallel: number,
    private readonly host: SchedulerHost,
  ) {
    const n = plan.nodes.length;
    this.remainingIn = new Int32Array(n);
    this.activeIn = new Int32Array(n);
    this.failedIn = new Int32Array(n);
    this.upstreamFailedIn = new Int32Array(n);
    this.outcome = new Uint8Array(n);
    this.branch = new Array(n).fill(null);
    for (const node of plan.nodes) this.remainingIn[node.index] = node.upstream.length;
  }

  /** Queues the nodes with no upstream (fallbacks only run for the node they stand in for). */
  enqueueRoots(): void {
    for (const node of this.plan.nodes) if (!node.isFallback && node.upstream.length === 0) this.queue.push(node.index);
  }

  /** Puts a node in the ready queue. */
  enqueue(index: number): void {
    this.queue.push(index);
  }

  get hasQueued(): boolean {
    return this.head < this.queue.length;
  }

  /** The next ready node, taking a slot for it; -1 when the queue is empty or every slot is taken. */
  take(): number {
    if (this.running >= this.maxParallel || this.head >= this.queue.length) return -1;
    this.running++;
    return this.queue[this.head++]!;
  }

  /** Gives a node's slot back (it finished, or parked). */
  release(): void {
    this.running--;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** True when no node can start after the node now ending: it alone runs, nothing is queued, nothing is downstream. */
  isLastToRun(index: number): boolean {
    return this.running === 1 && this.head >= this.queue.length && this.plan.nodes[index]!.downstream.length === 0;
  }

  /**
   * Marks a node terminal and resolves its downstream edges (iteratively: long skip chains are
   * fine); `branch` is the label a branching node selected.
   */
  complete(index: number, outcome: Outcome, branch: string | null = null): void {
    this.branch[index] = branch;
    const work: Array<[number, Outcome]> = [[index, outcome]];
    while (work.length) {
      const [i, out] = work.pop()!;
      this.outcome[i] = out;
      this.terminal++;
      if (this.host.stopping) continue;
      for (const edge of this.plan.nodes[i]!.downstream) {
        const d = edge.to;
        if (out === Outcome.Succeeded) {
          if (edge.branch === null || edge.branch === this.branch[i]) this.activeIn[d]!++;
        } else if (out === Outcome.Failed) this.failedIn[d]!++;
        else if (out === Outcome.SkippedUpstream) this.upstreamFailedIn[d]!++;
        if (--this.remainingIn[d]! === 0) {
          const skip = this.decide(d);
          if (skip === null) this.queue.push(d);
          else work.push([d, this.host.skip(d, skip)]);
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
}
