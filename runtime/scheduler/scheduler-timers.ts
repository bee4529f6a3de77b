/**
 * One-shot timers at absolute instants, one per key (a workflow id). The scheduler re-arms a
 * key after each fire. Production uses {@link ToadSchedulerTimers}; tests inject a fake that
 * advances a controlled clock, so no test sleeps through real minutes.
 */
export interface SchedulerTimers {
  /**
   * Calls `fire` once at `at` (epoch ms on the scheduler's clock), or as soon after it as the
   * event loop allows — never before. Replaces whatever was armed under `key`.
   */
  arm(key: string, at: number, fire: () => void | Promise<void>): void;
  /** Cancels the timer of `key` (no-op when none). */
  disarm(key: string): void;
  /** Cancels every timer. */
  disarmAll(): void;
}
