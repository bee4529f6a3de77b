import { waitDueAt, type WaitSpec } from '../plugin/park-request';

/** Longest delay one `setTimeout` can take (a longer one fires at once); a farther due time re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The due times of an execution's waiting nodes while the execution stays in memory because
 * other nodes of it still run: a timer (or a signal's timeout) fires in process, on time, instead
 * of when the execution parks and the poller finds the row. The rows stay the durable state (a
 * crash loses nothing); these timers only end waits early, and are all dropped when the
 * execution parks, so a parked execution holds none.
 */
export class ResidentWaits {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly now: () => number,
    private readonly due: (index: number, wait: WaitSpec) => void,
  ) {}

  /** Arms node `index`'s wait (a signal without a timeout, or a child's end, has no due time: nothing to arm). */
  arm(index: number, wait: WaitSpec): void {
    const at = waitDueAt(wait);
    if (at === null) return;
    this.clear(index);
    // never synchronously: the caller is still recording how the node parked
    const schedule = () => this.timers.set(index, setTimeout(tick, Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS)));
    const tick = () => {
      if (at > this.now()) return schedule();
      this.timers.delete(index);
      this.due(index, wait);
    };
    schedule();
  }

  clear(index: number): void {
    const t = this.timers.get(index);
    if (t) clearTimeout(t);
    this.timers.delete(index);
  }

  /** Drops every armed wait (the execution parks or ends). */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
