/**
 * A write expressed as a generator of SQL steps, so the same code runs synchronously on SQLite
 * (one uninterrupted transaction: the write lock is never held across an event-loop turn) and
 * asynchronously on PostgreSQL. SQL uses `?` placeholders only; values are always bound.
 */
export interface SqlStep {
  kind: 'run' | 'get';
  sql: string;
  params: unknown[];
}

/** The transaction's connection as another library's SQL runs on it (`$1` placeholders; pg-boss's `db` option). */
export interface SqlConnection {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** A step that hands the transaction's connection to other code (PostgreSQL only): resumes with what `call` resolved. */
export interface SqlCall {
  kind: 'call';
  call(db: SqlConnection): Promise<unknown>;
}

/** `run` steps resume with the affected row count, `get` steps with the first row (or undefined), `call` steps with its result. */
export type WriteOp<T = unknown> = () => Generator<SqlStep | SqlCall, T, any>;

export function run(sql: string, params: unknown[]): SqlStep {
  return { kind: 'run', sql, params };
}

export function get(sql: string, params: unknown[]): SqlStep {
  return { kind: 'get', sql, params };
}

/**
 * The row statements of a batch, or a function building them from the ops' results (run after
 * the ops in the same transaction): a fenced batch writes only the rows whose claim check held,
 * without wrapping the check and the rows in one more generator per commit.
 */
export type RowSteps = SqlStep[] | ((opResults: unknown[]) => SqlStep[]);

/** Executes batches: every op and then the rows in one transaction, results in op order. */
export interface SqlBatchDriver {
  commit(ops: WriteOp[], rowSteps: RowSteps): Promise<unknown[]>;
  /**
   * The same commit done within the call, when the driver can (SQLite): throws, with nothing
   * written, when it cannot finish now (the database is busy) or the batch fails.
   */
  commitSync?(ops: WriteOp[], rowSteps: RowSteps): unknown[];
  /** A read of committed rows with a cached prepared statement (the hot lookups by key). */
  all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Told when no execution runs in this process: housekeeping that would pause a running one
   * goes here (SQLite checkpoints its write-ahead log). Returns what it did, for the log, or null.
   */
  idle?(): Record<string, number> | null;
  close(): Promise<void>;
}
