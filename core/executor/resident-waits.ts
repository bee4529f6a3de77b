import { waitDueAt, type WaitSpec } from '../plugin/park-request';
import type { EventBus } from '../events/event-bus';
import type { ExecutionStore } from '../store/execution-store';
import { waitForFinish } from '../store/execution-waiter';

/** Longest delay one `setTimeout` can take (a longer one fires at once); a farther due time re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The due times of an execution's waiting nodes while the execution stays in memory because
 * other nodes of it still run: a timer (or a signal's or a child wait's timeout) fires in process,
 * on time, and a child's end (here or in another process) is taken at once, instead of when the
 * execution parks and the poller finds the row. The rows stay the durable state (a crash loses
 * nothing); these only end waits early, and are all dropped when the execution parks, so a
 * parked execution holds none.
 */
export class ResidentWaits {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly watches = new Map<number, AbortController>();

  constructor(
    private readonly now: () => number,
    private readonly due: (index: number, wait: WaitSpec) => void,
    /** Where a child's end shows: its event here, or (it runs in another process) its row. */
    private readonly children: { events: EventBus; executions: ExecutionStore },
  ) {}

  /** Arms node `index`'s wait (a signal without a timeout has nothing to arm: its signal wakes the execution). */
  arm(index: number, wait: WaitSpec): void {
    this.clear(index);
    if (wait.kind === 'child') this.watch(index, [wait.childExecutionId], wait);
    // a map parked on several children: the first to end runs it again
    if (wait.kind === 'children') this.watch(index, wait.childExecutionIds, wait);
    const at = waitDueAt(wait);
    if (at === null) return;
    // never synchronously: the caller is still recording how the node parked
    const schedule = () => this.timers.set(index, setTimeout(tick, Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS)));
    const tick = () => {
      if (at > this.now()) return schedule();
      this.fire(index, wait);
    };
    schedule();
  }

  clear(index: number): void {
    const t = this.timers.get(index);
    if (t) clearTimeout(t);
    this.timers.delete(index);
    this.watches.get(index)?.abort();
    this.watches.delete(index);
  }

  /** Drops every armed wait (the execution parks or ends). */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.watches.values()) w.abort();
    this.watches.clear();
  }

  private watch(index: number, children: readonly string[], wait: WaitSpec): void {
    const controller = new AbortController();
    this.watches.set(index, controller);
    const ended = () => {
      if (!controller.signal.aborted) this.fire(index, wait);
    };
    // a failed read leaves the wait to its row: the poller takes it once the execution parks
    for (const child of children) waitForFinish(child, this.children, controller.signal).then(ended, () => undefined);
  }

  /** Ends the wait once: whichever of its timer and its watch comes first. */
  private fire(index: number, wait: WaitSpec): void {
    this.clear(index);
    this.due(index, wait);
  }
}
