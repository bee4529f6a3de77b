import { toWeftError } from '../errors/error-serializer';
import type { WeftError } from '../errors/weft-error';

/**
 * Tracks one execution's store writes: how many are in flight, the first that failed, and when
 * the last has settled. A failed write is reported once through `onFailure` (it breaks the
 * durability promise, so the execution stops).
 */
export class WriteTracker {
  /** The first write that failed, if any. */
  error: WeftError | null = null;
  private pending = 0;
  private drained: (() => void) | null = null;

  constructor(private readonly onFailure: (error: WeftError, raw: unknown) => void) {}

  get inFlight(): number {
    return this.pending;
  }

  /** Tracks `write`; the returned promise settles with it and never rejects. */
  track(write: Promise<unknown>): Promise<void> {
    this.pending++;
    return write.then(
      () => this.settled(),
      (err: unknown) => {
        const error = toWeftError(err);
        this.error ??= error;
        this.onFailure(error, err);
        this.settled();
      },
    );
  }

  /**
   * Tracks `write` without waiting for it here: {@link whenDrained} waits for it before the
   * execution finishes, and a failure goes to `onFailure`, so nothing is lost by not awaiting.
   */
  add(write: Promise<unknown>): void {
    void this.track(write);
  }

  /** Resolves once no write is in flight. */
  whenDrained(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.drained = resolve));
  }

  private settled(): void {
    if (--this.pending === 0 && this.drained) this.drained();
  }
}
