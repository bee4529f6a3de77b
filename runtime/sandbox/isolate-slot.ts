import type ivm from 'isolated-vm';
import { SandboxError } from '../../core/errors/weft-error';

/** The in-isolate runner: `(code, namesJson, argsJson, outputCap) → Promise<string>`. */
export type RunnerFn = (code: string, namesJson: string, argsJson: string, outputCap: number) => Promise<string>;

/** A fresh context with its runner, made ahead of the run that will use it. */
export interface PreparedContext {
  context: ivm.Context;
  runner: ivm.Reference<RunnerFn>;
}

/**
 * Where a slot is in its life. Every change goes through {@link IsolateSlot.moveTo}, which
 * refuses a transition not listed in {@link SLOT_TRANSITIONS}:
 *
 * - `idle`: in the pool, free for the next run;
 * - `busy`: one run owns it (at most one at a time, so a breach only ever hurts that run);
 * - `retired`: out of the pool, its isolate disposed (a breach, a recycle, the pool's disposal);
 * - `abandoned`: isolated-vm reported a catastrophic error; its thread is gone, so the isolate
 *   is never touched again (not even disposed), and the slot leaves the pool like a retired one.
 */
export type SlotState = 'idle' | 'busy' | 'retired' | 'abandoned';

const SLOT_TRANSITIONS: Record<SlotState, readonly SlotState[]> = {
  idle: ['busy', 'retired', 'abandoned'],
  busy: ['idle', 'retired', 'abandoned'],
  retired: [],
  abandoned: [],
};

/** The next run's context: none yet, being prepared in the background, or ready to take. */
export type NextContext =
  { state: 'none' } | { state: 'preparing'; promise: Promise<PreparedContext> } | { state: 'ready'; promise: Promise<PreparedContext> };

/** One pooled isolate. */
export class IsolateSlot {
  private current: SlotState = 'idle';
  runs = 0;
  /** The next run's context, prepared in the background after the previous run. */
  next: NextContext = { state: 'none' };
  /** Set while a run owns the slot: ends that run at once (catastrophic error, sandbox disposal). */
  interrupt?: (error: SandboxError) => void;
  isolate!: ivm.Isolate;
  /** The compiled bootstrap that turns a fresh context into a runner. */
  bootstrap!: ivm.Script;

  constructor(
    readonly id: number,
    readonly memoryMb: number,
  ) {}

  get state(): SlotState {
    return this.current;
  }

  /** Still in the pool (idle or busy), as opposed to retired or abandoned. */
  get live(): boolean {
    return this.current === 'idle' || this.current === 'busy';
  }

  /** The one place a slot's state changes; an unlisted transition is a bug, not a state to carry on from. */
  moveTo(state: SlotState): void {
    if (!SLOT_TRANSITIONS[this.current].includes(state)) {
      throw new SandboxError(`sandbox isolate ${this.id}: no transition from ${this.current} to ${state}`);
    }
    this.current = state;
  }
}
