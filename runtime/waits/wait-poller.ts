import type { Logger } from '../../core/services/logger';
import type { SqlExecutionStore } from '../persistence/sql-execution-store';
import type { SqlConnection } from '../persistence/sql-batch';
import {
  SELECT_DUE,
  SELECT_SIGNALLED,
  SELECT_UNFINISHED_CHILDREN,
  wakeOp,
  type WakeTarget,
  type WokenExecution,
} from '../persistence/wake-sql';
import { crashTestPoint } from '../testing/crash-test-point';

/** Where woken executions go: resumed in this process (`local`) or queued for a `weft worker` (`queue`). */
export interface WakeHandler {
  target: 'local' | 'queue';
  /** Work on the wake's own transaction (PostgreSQL): it commits with the wake or not at all. */
  inWake?(db: SqlConnection, executionId: string, woke: string[]): Promise<unknown>;
  resume(woken: WokenExecution): Promise<void>;
}

export interface WaitPollerOptions {
  store: SqlExecutionStore;
  logger: Logger;
  /** Pause between passes (default 200 ms: a due timer fires well within a second). */
  intervalMs?: number;
  /** Executions woken per pass at most (default 500; a full pass goes round again at once). */
  batchSize?: number;
  now?: () => number;
  /**
   * Wake this execution and its descendants only (`weft run --db` waiting out its own execution,
   * whose `workflow` nodes may wait on children): other executions in the same database are left
   * to the processes that serve them.
   */
  only?: string;
}

/**
 * Wakes waiting executions: every pass reads the waiting executions with a due timer, timeout
 * or deadline (the partial due-time index) and those holding a signal a waiting node takes,
 * wakes each with one conditional update (so across processes each wake happens once) and hands
 * it to the {@link WakeHandler}. A signal nudges its execution at once instead of waiting for a
 * pass. Timers are rows, never long `setTimeout`s: nothing is held per waiting execution.
 */
export class WaitPoller {
  private handler: WakeHandler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private readonly waking = new Set<string>();
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: WaitPollerOptions) {
    this.intervalMs = options.intervalMs ?? 200;
    this.batchSize = options.batchSize ?? 500;
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'waits' });
  }

  get started(): boolean {
    return this.handler !== null;
  }

  /** Starts polling; woken executions go to `handler`. */
  start(handler: WakeHandler): void {
    if (this.handler) return;
    this.handler = handler;
    this.schedule(0);
  }

  /** Stops polling and waits for the pass in progress (wakes already claimed are handed over first). */
  async stop(): Promise<void> {
    this.handler = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
    while (this.waking.size) await new Promise((r) => setTimeout(r, 10));
  }

  /** Tries to wake one execution now (a signal arrived for it). */
  nudge(executionId: string): void {
    if (this.handler) void this.wake(executionId);
  }

  /** One pass; returns how many executions it woke. */
  async runOnce(): Promise<number> {
    if (this.options.only !== undefined) {
      let n = 0;
      for (const id of await this.familyOf(this.options.only)) if (await this.wake(id)) n++;
      return n;
    }
    const now = this.now();
    const store = this.options.store;
    const [due, signalled] = await Promise.all([
      store.query(SELECT_DUE, [now, this.batchSize]),
      store.query(SELECT_SIGNALLED, [this.batchSize]),
    ]);
    const ids = new Set<string>([...due, ...signalled].map((r) => String(r.execution_id)));
    const woken = await Promise.all([...ids].map((id) => this.wake(id)));
    return woken.filter(Boolean).length;
  }

  /** An execution and its unfinished descendants, children before their parents (a child's end makes its parent due). */
  private async familyOf(root: string): Promise<string[]> {
    const family = [root];
    for (let i = 0; i < family.length && family.length < this.batchSize; i++) {
      const rows = await this.options.store.query(SELECT_UNFINISHED_CHILDREN, [family[i]]);
      family.push(...rows.map((r) => String(r.id)));
    }
    return family.reverse();
  }

  private schedule(ms: number): void {
    if (!this.handler) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass = this.runOnce().then(
        (n) => this.schedule(n >= this.batchSize ? 0 : this.intervalMs),
        (err) => {
          this.log.error({ err }, 'could not look for due waits');
          this.schedule(this.intervalMs);
        },
      );
    }, ms);
    this.timer.unref?.();
  }

  private async wake(executionId: string): Promise<boolean> {
    const handler = this.handler;
    if (!handler || this.waking.has(executionId)) return false;
    this.waking.add(executionId);
    try {
      const store = this.options.store;
      const target: WakeTarget = handler.target === 'local' ? { status: 'running', owner: store.owner } : { status: 'pending' };
      const inWake = handler.inWake ? (db: SqlConnection, woke: string[]) => handler.inWake!(db, executionId, woke) : null;
      const woken = await store.writer.run(wakeOp(executionId, this.now(), target, inWake));
      if (!woken) return false;
      this.log.debug({ executionId, nodes: woken.woke, deadline: woken.deadline }, 'woke a waiting execution');
      for (const nodeId of woken.woke) crashTestPoint(`after-wake:${nodeId}`);
      await handler.resume(woken);
      return true;
    } catch (err) {
      this.log.error({ err, executionId }, 'could not wake a waiting execution');
      return false;
    } finally {
      this.waking.delete(executionId);
    }
  }
}
