import {
  CancelledError,
  deserializeError,
  serializeError,
  type InlineResult,
  type MapItemRecord,
  type NodeErrorRecord,
  type NodeProgress,
  type WeftError,
} from '../../core/index';

/** An entry of a map's `failed` list: the item's index and its last error, without stack or input snapshot. */
export interface MapItemFailure {
  index: number;
  error: { type: string; code: string; message: string; details?: unknown; attempt: number };
}

/** A map node's output. */
export interface MapOutput {
  items: unknown[];
  failed: MapItemFailure[];
}

/** An item whose child execution waits, or runs in another process: it holds its window slot but nothing runs here. */
export interface ParkedItem {
  parkedOn: string;
}

/** How a run of the items ended: the output, or parked on the children of the items in flight. */
export type MapRunEnd = { output: MapOutput } | { parkOn: string[] };

export interface MapRunOptions {
  items: readonly unknown[];
  concurrency: number;
  continueOnFailure: boolean;
  runItem(index: number, item: unknown): Promise<InlineResult | ParkedItem>;
  /** Records a finished item durably. */
  record(item: MapItemRecord): Promise<void>;
  progress(p: NodeProgress): void;
  /** Aborts the items in flight (the first failure with `fail`). */
  cancelRest(reason: WeftError): void;
  /** The node's signal: once it aborts no item starts. */
  signal: AbortSignal;
}

/**
 * Items whose records are still being committed, at most: beyond it no item starts until a
 * commit lands. Fast items then share a commit by the hundred (a commit costs far more than an
 * item's row), and a crash re-runs at most the running items and this many finished ones.
 */
export const RECORD_BACKLOG = 1000;

/**
 * One run of a map node's items: a sliding window of at most `concurrency` running items. An item
 * counts as in flight until its record is durable, so a crash re-runs only items in flight.
 * Nothing per item outlives the item but its result in `items` (and its entry in `failed`).
 * Items whose child parked keep their window slot; once nothing else runs or records and no item
 * can start, the run ends parked on those children (the node parks; its next run re-attaches).
 */
export class MapRun {
  private readonly total: number;
  private readonly results: unknown[];
  private readonly failed: MapItemFailure[] = [];
  /** Items taken from an earlier run (null when there was none). */
  private readonly taken: Uint8Array | null = null;
  private next = 0;
  private running = 0;
  /** Child execution ids of the items in flight whose child parked (or runs elsewhere). */
  private readonly parked: string[] = [];
  /** Finished items whose record is not durable yet. */
  private recording = 0;
  private done = 0;
  private stopError: WeftError | null = null;
  private settled = false;
  private resolve!: (end: MapRunEnd) => void;
  private reject!: (err: unknown) => void;

  /** `prior`: the items an earlier run of the node recorded (resume), not run again; only their results are kept. */
  constructor(
    private readonly o: MapRunOptions,
    prior: readonly MapItemRecord[],
  ) {
    this.total = o.items.length;
    this.results = new Array(this.total).fill(null);
    if (prior.length) {
      this.taken = new Uint8Array(this.total);
      for (const r of prior) this.adopt(r);
    }
  }

  run(): Promise<MapRunEnd> {
    return new Promise<MapRunEnd>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.report(true);
      this.pump();
    });
  }

  private adopt(r: MapItemRecord): void {
    // a parked item has not finished: it runs (goes on) again
    if (r.status === 'parked' || !Number.isInteger(r.index) || r.index < 0 || r.index >= this.total || this.taken![r.index]) return;
    // with `fail` a recorded failure is not final: the node runs again, and so does the item
    if (r.status === 'failed' && !this.o.continueOnFailure) return;
    this.taken![r.index] = 1;
    this.done++;
    if (r.status === 'succeeded') this.results[r.index] = r.output;
    else this.failed.push({ index: r.index, error: publicError(r.error) });
  }

  private pump(): void {
    const { items, concurrency, signal } = this.o;
    while (
      this.stopError === null &&
      !signal.aborted &&
      this.running + this.parked.length < concurrency &&
      this.recording < RECORD_BACKLOG &&
      this.next < this.total
    ) {
      const i = this.next++;
      if (this.taken?.[i]) continue;
      this.running++;
      this.o.runItem(i, items[i]).then(
        (r) => this.ended(i, r),
        (err) => this.ended(i, { ok: false, error: { ...serializeError(err), attempt: 1, input: null }, attempts: 1, aborted: false }),
      );
    }
    if (this.running === 0 && this.recording === 0 && !this.settled) this.settle();
  }

  private ended(index: number, r: InlineResult | ParkedItem): void {
    this.running--;
    if ('parkedOn' in r) {
      this.parked.push(r.parkedOn);
      return this.pump();
    }
    if (r.ok) {
      this.results[index] = r.output;
      return this.write({ index, status: 'succeeded', output: r.output, error: null });
    }
    // cancelled items are not recorded: a resume runs them again
    if (r.aborted || this.stopError !== null) return this.pump();
    if (!this.o.continueOnFailure) {
      this.stop(itemError(index, r.error));
      return this.pump();
    }
    this.failed.push({ index, error: publicError(r.error) });
    this.write({ index, status: 'failed', output: null, error: r.error });
  }

  private write(rec: MapItemRecord): void {
    this.recording++;
    this.o.record(rec).then(
      () => {
        this.recording--;
        this.done++;
        this.report(false);
        this.pump();
      },
      (err) => {
        this.recording--;
        this.stop(deserializeError(serializeError(err)));
        this.pump();
      },
    );
    this.pump();
  }

  private stop(error: WeftError): void {
    if (this.stopError !== null) return;
    this.stopError = error;
    this.o.cancelRest(
      new CancelledError(
        `item ${String((error.details as { index?: number } | undefined)?.index ?? '')} failed; the other items are cancelled`,
      ),
    );
  }

  private report(force: boolean): void {
    if (force || this.running + this.recording > 0) this.o.progress({ done: this.done, failed: this.failed.length, total: this.total });
  }

  private settle(): void {
    this.settled = true;
    if (this.stopError) return this.reject(this.stopError);
    if (this.o.signal.aborted) return this.reject(this.o.signal.reason);
    // a stop or an abort above reaches the parked children through the signal their handles watch
    if (this.parked.length) return this.resolve({ parkOn: this.parked });
    this.failed.sort((a, b) => a.index - b.index);
    this.resolve({ output: { items: this.results, failed: this.failed } });
  }
}

/** The node's error for a failed item with `fail`: the item's own type and code, `details.index` naming it. */
function itemError(index: number, e: NodeErrorRecord): WeftError {
  const details = e.details !== null && typeof e.details === 'object' && !Array.isArray(e.details) ? { ...e.details, index } : { index };
  const err = deserializeError({
    type: e.type,
    code: e.code,
    message: `item ${index} failed: ${e.message}`,
    details,
    retryAfterMs: e.retryAfterMs,
  });
  if (e.stack) err.stack = e.stack;
  return err;
}

function publicError(e: NodeErrorRecord | null): MapItemFailure['error'] {
  if (!e) return { type: 'Error', code: 'WF_NODE_FAILED', message: 'failed', attempt: 1 };
  const out: MapItemFailure['error'] = { type: e.type, code: e.code, message: e.message, attempt: e.attempt ?? 1 };
  if (e.details !== undefined) out.details = e.details;
  return out;
}
