import type ivm from 'isolated-vm';
import { SandboxError } from '../../core/errors/weft-error';
import type { Logger } from '../../core/services/logger';
import { abortError } from './abort-error';
import { SANDBOX_RUNNER_SOURCE } from './sandbox-runner.source';
import { IsolateSlot, type PreparedContext, type RunnerFn } from './isolate-slot';

/** Builds an isolate; the default is `new ivm.Isolate(options)` (tests wrap it to reach `onCatastrophicError`). */
export type IsolateFactory = (options: ivm.IsolateOptions) => ivm.Isolate;

/** Counters for tests and benchmarks. */
export interface IsolatePoolStats {
  isolatesCreated: number;
  isolatesDisposed: number;
  contextsCreated: number;
  /** Runs that found their fresh context already prepared. */
  preparedHits: number;
  liveIsolates: number;
  idleIsolates: number;
  waiting: number;
}

interface Waiter {
  memoryMb: number;
  resolve(slot: IsolateSlot): void;
  reject(err: unknown): void;
}

interface PoolOptions {
  size: number;
  logger: Logger;
  createIsolate: IsolateFactory;
}

/**
 * Isolates keyed by memory limit (a limit is fixed when an isolate is made), at most `size` of
 * them; a run waits when all are busy. Each idle isolate keeps its next context ready.
 */
export class IsolatePool {
  private readonly slots: IsolateSlot[] = [];
  private readonly waiters: Waiter[] = [];
  private nextId = 1;
  private disposed = false;
  private readonly counters = { isolatesCreated: 0, isolatesDisposed: 0, contextsCreated: 0, preparedHits: 0 };

  constructor(private readonly options: PoolOptions) {}

  /** Takes an idle isolate with this memory limit, making or recycling one when needed. */
  acquire(memoryMb: number, signal?: AbortSignal): Promise<IsolateSlot> {
    if (this.disposed) return Promise.reject(new SandboxError('the sandbox is disposed'));
    try {
      const slot = this.pick(memoryMb);
      if (slot) return Promise.resolve(slot);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<IsolateSlot>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal!, 'the sandbox run'));
      };
      const waiter: Waiter = {
        memoryMb,
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The slot's prepared context (waiting for it, or making one if none is on the way). */
  async takeContext(slot: IsolateSlot): Promise<PreparedContext> {
    if (slot.next.state === 'ready') this.counters.preparedHits++;
    const next = slot.next.state === 'none' ? this.prepare(slot) : slot.next.promise;
    slot.next = { state: 'none' };
    return next;
  }

  /** Returns a healthy slot: its next context is prepared in the background, then it serves the next run. */
  release(slot: IsolateSlot): void {
    slot.interrupt = undefined;
    if (this.disposed || !slot.live) return this.discard(slot);
    slot.moveTo('idle');
    // not awaited: startPreparing handles a failure, which reaches the run that takes the context
    void this.startPreparing(slot);
    this.serveWaiters();
  }

  /** Drops a slot after a breach: its isolate is disposed and a replacement warmed in the background. */
  discard(slot: IsolateSlot): void {
    slot.interrupt = undefined;
    this.remove(slot);
    if (this.disposed) return;
    if (this.waiters.length) return this.serveWaiters();
    // Replace it so the pool stays warm; deferred so the failed run is answered first.
    setImmediate(() => {
      if (this.disposed || this.slots.length >= this.options.size || this.waiters.length) return;
      try {
        void this.startPreparing(this.create(slot.memoryMb)); // as in release: a failure reaches the next run
      } catch (err) {
        this.options.logger.warn({ err }, 'sandbox: could not replace a disposed isolate');
      }
    });
  }

  /** Makes isolates with this memory limit up to the pool size and waits until their contexts are ready. */
  async warm(memoryMb: number): Promise<void> {
    const pending: Array<Promise<unknown>> = [];
    while (!this.disposed && this.slots.length < this.options.size) {
      pending.push(this.startPreparing(this.create(memoryMb)));
    }
    for (const slot of this.slots) if (slot.state === 'idle' && slot.next.state !== 'none') pending.push(slot.next.promise);
    await Promise.allSettled(pending);
  }

  stats(): IsolatePoolStats {
    return {
      ...this.counters,
      liveIsolates: this.slots.length,
      idleIsolates: this.slots.filter((s) => s.state === 'idle').length,
      waiting: this.waiters.length,
    };
  }

  /** Rejects waiting runs, interrupts running ones and disposes every isolate. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(new SandboxError('the sandbox is disposed'));
    for (const slot of [...this.slots]) {
      if (slot.state === 'busy' && slot.interrupt) slot.interrupt(new SandboxError('the sandbox was disposed during the run'));
      else this.discard(slot);
    }
  }

  private pick(memoryMb: number): IsolateSlot | undefined {
    let match: IsolateSlot | undefined;
    for (const s of this.slots) {
      if (s.state !== 'idle' || s.memoryMb !== memoryMb) continue;
      // Prefer an isolate whose context is already prepared.
      if (!match || (s.next.state === 'ready' && match.next.state !== 'ready')) match = s;
    }
    if (!match && this.slots.length >= this.options.size) {
      // Recycle an idle isolate made for another memory limit.
      const other = this.slots.find((s) => s.state === 'idle');
      if (!other) return undefined;
      this.remove(other);
    }
    const slot = match ?? this.create(memoryMb);
    slot.moveTo('busy');
    slot.runs++;
    return slot;
  }

  private serveWaiters(): void {
    while (this.waiters.length) {
      let slot: IsolateSlot | undefined;
      try {
        slot = this.pick(this.waiters[0]!.memoryMb);
      } catch (err) {
        this.waiters.shift()!.reject(err);
        continue;
      }
      if (!slot) return;
      this.waiters.shift()!.resolve(slot);
    }
  }

  /** Takes a slot out of the pool and disposes its isolate (unless isolated-vm abandoned it). */
  private remove(slot: IsolateSlot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.counters.isolatesDisposed++;
    // After a catastrophic error the isolate's thread is gone for good: leave it alone.
    if (slot.state === 'abandoned') return;
    slot.moveTo('retired');
    try {
      if (!slot.isolate.isDisposed) slot.isolate.dispose();
    } catch (err) {
      this.options.logger.warn({ err, isolate: slot.id }, 'sandbox: disposing an isolate failed');
    }
  }

  private create(memoryMb: number): IsolateSlot {
    const slot = new IsolateSlot(this.nextId++, memoryMb);
    try {
      slot.isolate = this.options.createIsolate({
        memoryLimit: memoryMb,
        onCatastrophicError: (message: string) => this.onCatastrophicError(slot, message),
      });
      slot.bootstrap = slot.isolate.compileScriptSync(SANDBOX_RUNNER_SOURCE, { filename: 'weft-sandbox-runner.js' });
    } catch (err) {
      throw new SandboxError(`could not create a sandbox isolate: ${(err as Error).message}`, { cause: err });
    }
    this.counters.isolatesCreated++;
    this.slots.push(slot);
    return slot;
  }

  private prepare(slot: IsolateSlot): Promise<PreparedContext> {
    const promise = (async (): Promise<PreparedContext> => {
      const context = await slot.isolate.createContext();
      try {
        const runner = (await slot.bootstrap.run(context, { reference: true })) as ivm.Reference<RunnerFn>;
        this.counters.contextsCreated++;
        return { context, runner };
      } catch (err) {
        context.release();
        throw err;
      }
    })();
    return promise;
  }

  /** Prepares the slot's next context in the background; it becomes `ready` unless a run took it first. */
  /** Starts preparing the slot's next context; the promise's failure is handled here and seen again by {@link takeContext}. */
  private startPreparing(slot: IsolateSlot): Promise<PreparedContext> {
    const promise = this.prepare(slot);
    slot.next = { state: 'preparing', promise };
    promise.then(
      () => {
        if (slot.next.state === 'preparing' && slot.next.promise === promise) slot.next = { state: 'ready', promise };
      },
      () => undefined, // the run that takes it sees the failure
    );
    return promise;
  }

  private onCatastrophicError(slot: IsolateSlot, message: string): void {
    this.options.logger.error(
      { isolate: slot.id, message },
      'sandbox: isolated-vm reported a catastrophic error; the isolate is abandoned',
    );
    if (!slot.live) return; // already out of the pool: nothing runs on it
    const wasBusy = slot.state === 'busy';
    slot.moveTo('abandoned');
    const error = new SandboxError(`the sandbox isolate failed catastrophically: ${message}`);
    if (wasBusy && slot.interrupt) slot.interrupt(error);
    else if (this.slots.includes(slot)) this.discard(slot);
  }
}
