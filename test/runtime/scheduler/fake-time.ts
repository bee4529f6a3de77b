import type { Clock } from '../../../core/services/clock';
import type { SchedulerTimers } from '../../../runtime/scheduler/scheduler-timers';

interface Armed {
  at: number;
  seq: number;
  fire: () => void | Promise<void>;
}

/** Lets queued promise callbacks (store writes, executions of instant nodes) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A controlled clock and timer driver for scheduler tests: nothing happens until `advance`,
 * which jumps from timer to timer (awaiting each fire), so a day of schedule takes milliseconds.
 * Timers due at the same instant fire concurrently, as two processes would.
 */
export class FakeTime implements Clock {
  private t: number;
  private seq = 0;
  private readonly armed = new Map<string, Armed>();
  /** Timers go off this late (a blocked event loop, a suspended machine). */
  lateness = 0;

  constructor(start: number | string) {
    this.t = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => this.armed.set(`sleep:${++this.seq}`, { at: this.t + ms, seq: this.seq, fire: resolve }));
  }

  /** A timer driver on this clock; `ns` keeps the keys of several schedulers apart. */
  timers(ns = 'default'): SchedulerTimers & { armedAt(key: string): number | null } {
    const k = (key: string) => `${ns}\u0000${key}`;
    return {
      arm: (key, at, fire) => void this.armed.set(k(key), { at, seq: ++this.seq, fire }),
      disarm: (key) => void this.armed.delete(k(key)),
      disarmAll: () => {
        for (const key of [...this.armed.keys()]) if (key.startsWith(`${ns}\u0000`)) this.armed.delete(key);
      },
      armedAt: (key) => this.armed.get(k(key))?.at ?? null,
    };
  }

  /** Number of armed timers. */
  get pending(): number {
    return this.armed.size;
  }

  /** Moves the clock forward by `ms`, firing every timer that comes due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  async advanceTo(target: number | string): Promise<void> {
    const end = typeof target === 'number' ? target : Date.parse(target);
    for (let guard = 0; guard < 1_000_000; guard++) {
      let at = Infinity;
      for (const a of this.armed.values()) at = Math.min(at, a.at);
      if (at > end) break;
      this.t = Math.max(this.t, at + this.lateness);
      const due = [...this.armed.entries()].filter(([, a]) => a.at === at).sort((a, b) => a[1].seq - b[1].seq);
      for (const [key] of due) this.armed.delete(key);
      await Promise.all(due.map(([, a]) => Promise.resolve(a.fire())));
      await settle();
    }
    this.t = Math.max(this.t, end);
    await settle();
  }
}
