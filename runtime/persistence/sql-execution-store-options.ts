import type { Knex } from '@mikro-orm/knex';
import type { Logger } from '../../core/services/logger';
import type { SqlBatchDriver } from './sql-batch';
import type { PersistenceDialect } from './migrations/migration-list';

export interface SqlExecutionStoreOptions {
  /** Reads (query builder, bound parameters). */
  knex: Knex;
  /** Writes (group commits). */
  driver: SqlBatchDriver;
  dialect: PersistenceDialect;
  /** Signs list cursors (kept in the database so every process accepts every cursor). */
  cursorSecret: Buffer;
  /** Largest node output (JSON bytes) accepted. */
  maxOutputBytes: number;
  /** Node outputs whose JSON is larger are kept in `node_output` and read back as a `$ref` (default 256 KiB). */
  inlineOutputBytes?: number;
  /** This process's identity on the executions it runs; default `host:pid:random`. */
  owner?: string;
  /** How often running executions' `heartbeat_at` is refreshed (0: never). Default 10 s. */
  heartbeatMs?: number;
  /** An owner whose heartbeat is older than this is taken for dead (recovery, resume). Default 30 s. */
  staleAfterMs?: number;
  /** How often, while executions run here, cancel requests from other processes are looked for (0: never). Default 500 ms. */
  cancelPollMs?: number;
  logger?: Logger;
  now?: () => number;
}
