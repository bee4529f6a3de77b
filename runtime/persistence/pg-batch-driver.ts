import { createHash } from 'node:crypto';
import type { Knex } from '@mikro-orm/knex';
import type { RowSteps, SqlBatchDriver, SqlCall, SqlStep, WriteOp } from './sql-batch';

/** The node-postgres client surface used here (connections come from knex's pool). */
interface PgConnection {
  query(
    q: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
}
interface KnexClientInternals {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(conn: PgConnection): Promise<void>;
}

/** Statements this small are prepared by name (the server plans them once per connection). */
const MAX_PREPARED_LENGTH = 8_000;

/**
 * Commits batches on PostgreSQL through a pooled node-postgres connection directly (knex's query
 * path costs more than the statement): the write statements are prepared once per connection,
 * a batch is one transaction, and a batch that is a single statement runs on its own
 * (autocommit), saving the BEGIN and COMMIT round trips — a chain costs one round trip per node.
 */
export class PgBatchDriver implements SqlBatchDriver {
  private readonly texts = new Map<string, { text: string; name?: string }>();
  private readonly client: KnexClientInternals;

  constructor(knex: Knex) {
    this.client = knex.client;
  }

  async commit(ops: WriteOp[], rowSteps: RowSteps): Promise<unknown[]> {
    const conn = await this.client.acquireConnection();
    try {
      if (!ops.length && typeof rowSteps !== 'function' && rowSteps.length === 1) {
        await this.step(conn, rowSteps[0]!);
        return [];
      }
      await conn.query('begin');
      try {
        const results: unknown[] = [];
        for (const op of ops) results.push(await this.runOp(conn, op));
        for (const s of typeof rowSteps === 'function' ? rowSteps(results) : rowSteps) await this.step(conn, s);
        await conn.query('commit');
        return results;
      } catch (err) {
        await conn.query('rollback').catch(() => undefined);
        throw err;
      }
    } finally {
      await this.client.releaseConnection(conn);
    }
  }

  async all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const conn = await this.client.acquireConnection();
    try {
      return (await conn.query({ ...this.statement(sql), values: params })).rows as Record<string, unknown>[];
    } finally {
      await this.client.releaseConnection(conn);
    }
  }

  async close(): Promise<void> {}

  private async runOp(conn: PgConnection, op: WriteOp): Promise<unknown> {
    const gen = op();
    let r = gen.next();
    while (!r.done) r = gen.next(await this.step(conn, r.value));
    return r.value;
  }

  private async step(conn: PgConnection, s: SqlStep | SqlCall): Promise<unknown> {
    if (s.kind === 'call') return s.call({ executeSql: (text, values) => conn.query(text, values) });
    const q = this.statement(s.sql);
    const res = await conn.query({ ...q, values: s.params });
    return s.kind === 'get' ? res.rows[0] : (res.rowCount ?? 0);
  }

  /** `?` placeholders → `$1, $2, …` (our SQL has no `?` inside literals), named when small. */
  private statement(sql: string): { text: string; name?: string } {
    let q = this.texts.get(sql);
    if (!q) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      q =
        text.length <= MAX_PREPARED_LENGTH
          ? { text, name: `weft_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` }
          : { text };
      if (this.texts.size > 500) this.texts.clear();
      this.texts.set(sql, q);
    }
    return q;
  }
}
