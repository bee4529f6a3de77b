import type { Knex } from '@mikro-orm/knex';
import { PersistenceError } from '../../core/errors/weft-error';
import type { RowSteps, SqlBatchDriver, SqlCall, SqlStep, WriteOp } from './sql-batch';
import type { SqliteSynchronous } from './orm-options';

/** The better-sqlite3 surface used here (the package ships no types). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): Record<string, unknown>[];
}
interface Database {
  prepare(sql: string): Statement;
  pragma(sql: string): unknown;
  transaction<F extends (...args: any[]) => any>(fn: F): F;
  close(): void;
  readonly open: boolean;
}

/**
 * Commits batches on a dedicated better-sqlite3 connection with cached prepared statements, fully
 * synchronously: knex costs hundreds of µs per statement, this tens. Sync matters beyond speed:
 * the transaction never yields, so it never holds SQLite's write lock while knex's connection (the
 * same process) waits for it. When another connection holds the lock (a knex transaction of this
 * process, or another process), the batch is retried asynchronously rather than blocking the loop.
 */
export class SqliteBatchDriver implements SqlBatchDriver {
  private readonly db: Database;
  private readonly statements = new Map<string, Statement>();
  /** One transaction function for every batch (better-sqlite3 wraps it in BEGIN IMMEDIATE … COMMIT). */
  private readonly tx: { immediate(ops: WriteOp[], rowSteps: RowSteps): unknown[] };
  /** Commits since the last checkpoint this driver ran (see {@link idle}). */
  private commitsSinceCheckpoint = 0;

  constructor(knex: Knex, file: string, synchronous: SqliteSynchronous) {
    // the driver module knex already loaded for this dialect (better-sqlite3)
    const Driver = (knex.client as { driver: new (file: string) => Database }).driver;
    this.db = new Driver(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // never block the event loop on a lock: fail fast and retry asynchronously
    this.db.pragma('busy_timeout = 0');
    // checkpoint every ~40 MB of WAL instead of ~4 MB: a checkpoint writes each changed page once
    // however often it changed, so rarer checkpoints halve the amortised cost per commit; the WAL
    // file is truncated back to 64 MB at most afterwards
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('journal_size_limit = 67108864');
    this.tx = this.db.transaction((ops: WriteOp[], rowSteps: RowSteps) => {
      const results = ops.map((op) => this.runOp(op));
      for (const s of typeof rowSteps === 'function' ? rowSteps(results) : rowSteps) this.step(s);
      this.commitsSinceCheckpoint++;
      return results;
    }) as unknown as SqliteBatchDriver['tx'];
  }

  commitSync(ops: WriteOp[], rowSteps: RowSteps): unknown[] {
    return this.tx.immediate(ops, rowSteps);
  }

  async commit(ops: WriteOp[], rowSteps: RowSteps): Promise<unknown[]> {
    // immediate: take the write lock at BEGIN, so a busy database fails before any work
    return whenNotBusy(() => this.tx.immediate(ops, rowSteps));
  }

  /**
   * Runs synchronously on the write connection: a lookup by key costs µs here against hundreds
   * through the query builder, and since every commit is one synchronous call, a read can never
   * see half of one.
   */
  async all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return whenNotBusy(() => this.statement(sql).all(...params));
  }

  /**
   * Checkpoints the WAL while no execution runs, once enough was committed since the last one.
   * SQLite would otherwise checkpoint inside whichever commit crosses `wal_autocheckpoint`: a
   * pause of ~2.5 µs per WAL frame (30–45 ms at 10,000 frames) in the middle of a running
   * execution, between a node's finish and its downstream's start. Done here, between
   * executions, it costs the same in all and no node waits for it; under load that leaves no
   * idle moment, the autocheckpoint still bounds the WAL. PASSIVE: it never waits for a reader
   * or a writer (another process), and what it could not copy the next checkpoint does.
   */
  idle(): Record<string, number> | null {
    if (this.commitsSinceCheckpoint < IDLE_CHECKPOINT_COMMITS || !this.db.open) return null;
    this.commitsSinceCheckpoint = 0;
    const started = performance.now();
    try {
      const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      return { walFrames: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0, ms: Math.round((performance.now() - started) * 10) / 10 };
    } catch {
      // SQLITE_BUSY (another connection checkpoints): the next idle moment, or the autocheckpoint, does it
      return null;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private runOp(op: WriteOp): unknown {
    const gen = op();
    let r = gen.next();
    while (!r.done) r = gen.next(this.step(r.value));
    return r.value;
  }

  private step(s: SqlStep | SqlCall): unknown {
    // a transaction here never yields (see above), so it cannot wait for other code's queries
    if (s.kind === 'call') throw new PersistenceError('this write needs PostgreSQL (it runs other code inside the transaction)');
    const st = this.statement(s.sql);
    return s.kind === 'get' ? st.get(...s.params) : st.run(...s.params).changes;
  }

  private statement(sql: string): Statement {
    if (!this.db.open) throw new PersistenceError('the SQLite database is closed');
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(sql, st);
    }
    return st;
  }
}

/**
 * Commits after which an idle moment checkpoints the WAL (about 1.7 frames each for a chain's
 * node): often enough that autocheckpoints, which pause whatever commit crosses them, are rare
 * while the process has idle moments; seldom enough that each pays for its fixed costs.
 */
const IDLE_CHECKPOINT_COMMITS = 500;

/** Runs `fn`; while another connection holds a lock it needs, retries asynchronously (backing off to 50 ms, about 10 s in all). */
async function whenNotBusy<T>(fn: () => T): Promise<T> {
  for (let attempt = 0, delay = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 200) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 50);
    }
  }
}
