import { PersistenceError } from '../../core/errors/weft-error';
import type { RowSteps, SqlBatchDriver, WriteOp } from './sql-batch';
import type { GroupCommitOptions } from './group-commit-options';

export type { GroupCommitOptions } from './group-commit-options';

interface QueuedOp {
  op: WriteOp;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface QueuedRow {
  row: Record<string, unknown>;
  /** Builds `row` at commit time (a lazy row is mostly replaced by its node's finish before then). */
  build: (() => Record<string, unknown>) | null;
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

/**
 * Group commit: every write queued in the same event-loop turn while no commit runs, or while one
 * is in flight goes into the next single transaction. Durable writes resolve when their commit
 * succeeds; lazy ones (node starts) ride along with the next commit or a short timer. Keyed rows
 * (node executions) collapse to their latest state, so a node that starts and finishes between
 * two commits costs one row write. When a batch fails, each write is retried on its own so one
 * bad write cannot fail its neighbours.
 */
export class GroupCommitWriter {
  private ops: QueuedOp[] = [];
  private rows = new Map<string, QueuedRow>();
  private hasDurable = false;
  private inFlight: Promise<void> | null = null;
  /** The commit scheduled for durable writes: in the check phase, or once this turn's microtasks are done. */
  private immediate: NodeJS.Immediate | typeof END_OF_TURN | null = null;
  /** Commits run at the end of a turn's microtasks since the event loop last ran one of this writer's callbacks. */
  private endOfTurnRun = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly lazyFlushMs: number;

  constructor(
    private readonly driver: SqlBatchDriver,
    private readonly options: GroupCommitOptions,
  ) {
    this.lazyFlushMs = options.lazyFlushMs ?? 20;
  }

  /** Queues an operation; resolves with its result once committed. */
  run<T>(op: WriteOp<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.ops.push({ op, resolve: resolve, reject });
      this.hasDurable = true;
      this.schedule();
    });
  }

  /**
   * Queues a keyed row (latest state wins); `durable` resolves after commit, otherwise it returns
   * at once. A lazy row may be given as a function that builds it, called only if the row is still
   * the latest when its commit starts (it must not throw).
   */
  putRow(key: string, row: Record<string, unknown> | (() => Record<string, unknown>), durable: boolean): Promise<void> {
    if (this.closed) return durable ? Promise.reject(closedError()) : Promise.resolve();
    const existing = this.rows.get(key);
    const entry: QueuedRow =
      typeof row === 'function'
        ? { row: EMPTY_ROW, build: row, waiters: existing ? existing.waiters : [] }
        : { row, build: null, waiters: existing ? existing.waiters : [] };
    this.rows.set(key, entry);
    if (!durable) {
      this.schedule();
      return Promise.resolve();
    }
    this.hasDurable = true;
    return new Promise<void>((resolve, reject) => {
      entry.waiters.push({ resolve, reject });
      this.schedule(this.options.alone?.() ?? false);
    });
  }

  /** Commits everything queued (and waits for a commit in flight). */
  async flush(): Promise<void> {
    while (this.inFlight || this.ops.length || this.rows.size) {
      if (this.inFlight) await this.inFlight;
      else this.startCommit();
    }
  }

  /** Flushes, then refuses new work and closes the driver. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.clearTimers();
    await this.driver.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private schedule(endOfTurn = false): void {
    if (this.inFlight) return; // the commit in flight picks the queue up when it ends
    // a durable write commits in the check phase of this loop turn: every write queued by the
    // I/O callbacks of the same turn (other requests, other executions) shares the transaction,
    // so under load one commit carries dozens of writes instead of one each
    if (this.hasDurable) {
      if (this.immediate) return;
      // ...except a row whose execution runs alone here (`alone`): no other execution writes to
      // share its commit, and waiting for the check phase costs an event-loop turn per node (a
      // sixth of a chain's CPU). Its commit runs once this turn's microtasks are done (a tick
      // queued from a microtask runs after all of them), so whatever they queue rides along (the
      // last node's row and the end of the execution). Every END_OF_TURN_RUN commits the loop
      // gets its turn anyway, so a chain of quick nodes holds up I/O (requests, cancels, timers)
      // for a few nodes at most.
      if (endOfTurn && this.endOfTurnRun < END_OF_TURN_RUN) {
        this.endOfTurnRun++;
        this.immediate = END_OF_TURN;
        process.nextTick(this.onEndOfTurn);
      } else this.immediate = setImmediate(this.onImmediate);
    } else if (!this.timer) {
      // one timer per interval, left running across commits: a chain queues a lazy start and
      // commits it a few µs later with the node's finish, node after node, and arming and
      // clearing a timer for each would cost more than the row
      this.timer = setTimeout(this.onTimer, this.lazyFlushMs);
      this.timer.unref();
    }
  }

  private readonly onImmediate = (): void => {
    this.immediate = null;
    this.endOfTurnRun = 0;
    this.startCommit();
  };

  private readonly onEndOfTurn = (): void => {
    // a commit since (a flush) already took what was queued
    if (this.immediate !== END_OF_TURN) return;
    this.immediate = null;
    this.startCommit();
  };

  private readonly onTimer = (): void => {
    this.timer = null;
    this.endOfTurnRun = 0;
    this.startCommit();
  };

  private clearTimers(): void {
    if (this.immediate && this.immediate !== END_OF_TURN) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
  }

  private startCommit(): void {
    if (this.immediate) {
      if (this.immediate !== END_OF_TURN) clearImmediate(this.immediate);
      this.immediate = null;
    }
    if (this.inFlight || (!this.ops.length && !this.rows.size)) return;
    const ops = this.ops;
    const rows = [...this.rows.values()];
    for (const r of rows) {
      if (r.build) {
        r.row = r.build();
        r.build = null;
      }
    }
    this.ops = [];
    this.rows = new Map();
    this.hasDurable = false;
    // a driver that commits synchronously (SQLite) settles the writes in this very turn, without
    // a commit promise in flight; when it cannot (the database is busy, or the batch failed) the
    // transaction was rolled back and the asynchronous path below retries and sorts it out
    if (this.driver.commitSync) {
      let done: [unknown[], Set<string>] | null = null;
      try {
        const batch = this.batch(ops, rows);
        done = batch.unpack(this.driver.commitSync(batch.ops, batch.rowSteps));
      } catch {
        done = null;
      }
      if (done) {
        this.settle(ops, rows, done[0], null, done[1]);
        if (this.ops.length || this.rows.size) this.schedule();
        return;
      }
    }
    this.inFlight = this.commit(ops, rows).finally(() => {
      this.inFlight = null;
      if (this.ops.length || this.rows.size) this.schedule();
    });
  }

  private async commit(ops: QueuedOp[], rows: QueuedRow[]): Promise<void> {
    let results: unknown[];
    let fenced: Set<string>;
    try {
      [results, fenced] = await this.commitBatch(ops, rows);
    } catch (batchErr) {
      if (ops.length + rows.length === 1) return this.settle(ops, rows, [], batchErr);
      this.options.logger?.warn(
        { err: (batchErr as Error).message, writes: ops.length + rows.length },
        'group commit failed; retrying writes one by one',
      );
      return this.retryOneByOne(ops, rows);
    }
    this.settle(ops, rows, results, null, fenced);
  }

  private async commitBatch(ops: QueuedOp[], rows: QueuedRow[]): Promise<[unknown[], Set<string>]> {
    const batch = this.batch(ops, rows);
    return batch.unpack(await this.driver.commit(batch.ops, batch.rowSteps));
  }

  /** One transaction: the ops, then the rows (those whose claim still holds, when fenced). */
  private batch(
    ops: QueuedOp[],
    rows: QueuedRow[],
  ): { ops: WriteOp[]; rowSteps: RowSteps; unpack(results: unknown[]): [unknown[], Set<string>] } {
    const fence = this.options.fence;
    const opList = ops.map((o) => o.op);
    let check: WriteOp<Set<string>> | null = null;
    if (fence && rows.length) {
      // one row (a chain's node) needs no Set to tell its group apart
      let groups: Iterable<string>;
      if (rows.length === 1) groups = [fence.groupOf(rows[0]!.row)];
      else {
        const set = new Set<string>();
        for (const r of rows) set.add(fence.groupOf(r.row));
        groups = set;
      }
      check = fence.check(groups);
    }
    const rowSteps = this.options.rowSteps;
    if (!fence || !check) return { ops: opList, rowSteps: rowSteps(rows.map((r) => r.row)), unpack: (results) => [results, NO_GROUPS] };
    // the check runs last among the ops; the rows it clears are built from its result
    const at = opList.push(check) - 1;
    return {
      ops: opList,
      rowSteps: (results) => {
        const fenced = results[at] as Set<string>;
        return rowSteps((fenced.size ? rows.filter((r) => !fenced.has(fence.groupOf(r.row))) : rows).map((r) => r.row));
      },
      unpack: (results) => [at ? results.slice(0, at) : NO_RESULTS, results[at] as Set<string>],
    };
  }

  private settle(ops: QueuedOp[], rows: QueuedRow[], results: unknown[], err: unknown, fenced?: Set<string>): void {
    ops.forEach((o, i) => (err ? o.reject(err) : o.resolve(results[i])));
    for (const r of rows) {
      const group = fenced?.size ? this.options.fence!.groupOf(r.row) : null;
      const refused = group !== null && fenced!.has(group) ? this.options.fence!.refused(group) : null;
      for (const w of r.waiters) {
        if (err ?? refused) w.reject(err ?? refused);
        else w.resolve();
      }
    }
    if (err && rows.some((r) => !r.waiters.length)) {
      this.options.logger?.error({ err: (err as Error).message }, 'a queued node-start record could not be written');
    }
  }

  private async retryOneByOne(ops: QueuedOp[], rows: QueuedRow[]): Promise<void> {
    for (const o of ops) {
      try {
        o.resolve((await this.driver.commit([o.op], []))[0]);
      } catch (err) {
        o.reject(err);
      }
    }
    for (const r of rows) {
      try {
        const [, fenced] = await this.commitBatch([], [r]);
        this.settle([], [r], [], null, fenced);
      } catch (err) {
        this.settle([], [r], [], err);
      }
    }
  }
}

const NO_GROUPS: Set<string> = new Set();
/** {@link GroupCommitWriter.immediate} when the commit waits for the end of the turn's microtasks. */
const END_OF_TURN = Symbol('end of turn');
/** Commits in a row at the end of a turn's microtasks before one waits for the check phase (the loop's turn). */
const END_OF_TURN_RUN = 32;
const NO_RESULTS: unknown[] = [];
const EMPTY_ROW: Record<string, unknown> = Object.freeze({});

function closedError(): PersistenceError {
  return new PersistenceError('the execution store is closed');
}
