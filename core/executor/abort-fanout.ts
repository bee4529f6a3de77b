/**
 * One `abort` listener per execution that fans out to the attempts in flight: cheaper than an
 * `addEventListener`/`removeEventListener` pair per node on the hot path.
 */
export class AbortFanout {
  private readonly waiters = new Set<(reason: unknown) => void>();

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener(
      'abort',
      () => {
        for (const w of [...this.waiters]) w(signal.reason);
        this.waiters.clear();
      },
      { once: true },
    );
  }

  /** Calls `fn` when the signal aborts (at once if it already has); returns the unsubscribe. */
  on(fn: (reason: unknown) => void): () => void {
    if (this.signal.aborted) {
      fn(this.signal.reason);
      return () => {};
    }
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }
}
