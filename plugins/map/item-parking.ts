import type { MapItemRecord, ParkedItemState, ResumedAttempt } from '../../core/index';

/**
 * The inline items of one run of a map that park on their child: where each goes on (the item's
 * attempt, the errors before it, that attempt's own deadline), read from the records an earlier run
 * left and recorded again when it changes, so a woken item neither starts over at attempt 1 nor
 * gets a fresh `timeoutMs`. It also keeps the earliest own deadline of the items that parked: the
 * map's wait wakes it then to time that item out.
 */
export class ItemParking {
  private readonly prior = new Map<number, ParkedItemState>();
  private earliest = Infinity;

  /** `records`: what earlier runs recorded; only the parked records of this node attempt count (a retried map starts its items afresh). */
  constructor(
    records: readonly MapItemRecord[],
    private readonly holderAttempt: number,
    private readonly record: (rec: MapItemRecord) => Promise<void>,
  ) {
    for (const r of records) if (r.status === 'parked' && r.parked?.holderAttempt === holderAttempt) this.prior.set(r.index, r.parked);
  }

  /** Where item `index` goes on, if it parked in an earlier run of this attempt. */
  resumeOf(index: number): ResumedAttempt | undefined {
    const p = this.prior.get(index);
    return p ? { attempt: p.attempt, attemptErrors: p.attemptErrors, deadlineAt: p.deadlineAt } : undefined;
  }

  /**
   * Item `index` parked at `state`: recorded (durable before the map parks) unless it is where
   * the item starts anyway (attempt 1, no deadline of its own) or what the earlier run recorded.
   */
  async parked(index: number, state: ResumedAttempt): Promise<void> {
    if (state.deadlineAt !== null) this.earliest = Math.min(this.earliest, state.deadlineAt);
    const had = this.prior.get(index);
    if (had ? had.attempt === state.attempt && had.deadlineAt === state.deadlineAt : state.attempt <= 1 && state.deadlineAt === null)
      return;
    // the input snapshot is the rendered config again: not kept twice
    const attemptErrors = state.attemptErrors.map(({ input: _input, ...e }) => e);
    const parked: ParkedItemState = {
      holderAttempt: this.holderAttempt,
      attempt: state.attempt,
      attemptErrors,
      deadlineAt: state.deadlineAt,
    };
    await this.record({ index, status: 'parked', output: null, error: null, parked });
  }

  /** When the map's wait wakes it before `deadlineAt` (its own deadline) to time an item out; null: not before it. */
  wakeAt(deadlineAt: number | null): number | null {
    if (!Number.isFinite(this.earliest) || (deadlineAt !== null && this.earliest >= deadlineAt)) return null;
    return this.earliest;
  }
}
