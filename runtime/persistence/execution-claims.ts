import type { WriteOp } from './sql-batch';
import { claimHeld, claimStep } from './execution-sql';
import type { PersistenceDialect } from './migrations/migration-list';

/** Executions whose lost claims are remembered (an entry is needed only until the run there stops writing). */
const MAX_LOST = 10_000;
/** What a check resolves with when every claim held (never changed). */
const NONE_GONE: Set<string> = new Set();

/**
 * The claims a process holds on the executions it runs: the claim epoch it took on each (every
 * write of one is fenced with it), and the executions it lost to another process (whatever it
 * still writes for those is dropped).
 */
export class ExecutionClaims {
  private readonly epochs = new Map<string, number>();
  private readonly lost = new Set<string>();

  constructor(private readonly dialect: PersistenceDialect) {}

  hold(executionId: string, epoch: number): void {
    this.lost.delete(executionId);
    this.epochs.set(executionId, epoch);
  }

  epochOf(executionId: string): number | undefined {
    return this.epochs.get(executionId);
  }

  /** How many executions this process holds claims on (those it runs). */
  get count(): number {
    return this.epochs.size;
  }

  holds(executionId: string): boolean {
    return this.epochs.has(executionId);
  }

  isLost(executionId: string): boolean {
    return this.lost.has(executionId);
  }

  /** The execution ended here: nothing more to fence. */
  release(executionId: string): void {
    this.epochs.delete(executionId);
  }

  /** Marks a claim lost; true the first time. */
  markLost(executionId: string): boolean {
    if (this.lost.has(executionId)) return false;
    this.lost.add(executionId);
    if (this.lost.size > MAX_LOST) this.lost.delete(this.lost.values().next().value!);
    this.epochs.delete(executionId);
    return true;
  }

  /** The claim checks for a commit's rows of `ids`, resolving with the executions whose claim is gone (null: none held). */
  checks(ids: Iterable<string>): WriteOp<Set<string>> | null {
    const held: string[] = [];
    for (const id of ids) if (this.epochs.has(id)) held.push(id);
    if (!held.length) return null;
    if (held.length > 1) held.sort();
    // the statements built here, one plain generator: a chain commits one check per node, and
    // a generator per claim (claimHolds) and a Set per commit were a tenth of its allocations
    const steps = held.map((id) => claimStep(id, this.epochs.get(id)!, this.dialect));
    const dialect = this.dialect;
    return function* () {
      let gone: Set<string> | null = null;
      // in id order, so two writers checking the same executions lock them in the same order
      for (let i = 0; i < steps.length; i++) if (!claimHeld(yield steps[i]!, dialect)) (gone ??= new Set()).add(held[i]!);
      return gone ?? NONE_GONE;
    };
  }
}
