import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { Tokens } from '../../core/di/tokens';
import { PersistenceError } from '../../core/errors/weft-error';
import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { silentLogger, type Logger } from '../../core/services/logger';
import type { WeftConfig } from '../config/weft-config';
import type { PersistenceDialect } from './migrations/migration-list';
import { databaseTarget, ormOptions, type SqliteSynchronous } from './orm-options';
import { SqlExecutionStore } from './sql-execution-store';
import { SqlWorkflowStore } from './sql-workflow-store';
import { SqlApiKeyStore } from './sql-api-key-store';
import { SqlSecretStore } from './sql-secret-store';
import { SecretCipher } from '../secrets/secret-cipher';
import { resolveSecretsKey } from '../secrets/secrets-key';
import { SqlMapItemStore } from './sql-map-item-store';
import { recoverExecutions, type RecoveryReport, type ResumingExecutor } from './execution-recovery';
import { pruneExecutions, startRetention } from './execution-retention';
import { redactPasswords, redactUrl } from './sql-codec';
import { SqliteBatchDriver } from './sqlite-batch-driver';
import { PgBatchDriver } from './pg-batch-driver';

/** Everything weft keeps in its database, opened and migrated. */
export interface Persistence {
  orm: MikroORM;
  dialect: PersistenceDialect;
  /** The SQLite file or the PostgreSQL URL without its password (for logs). */
  location: string;
  executionStore: SqlExecutionStore;
  workflowStore: SqlWorkflowStore;
  apiKeyStore: SqlApiKeyStore;
  secretStore: SqlSecretStore;
  /** Finished items of map nodes (writes share the execution store's group commits). */
  mapItemStore: SqlMapItemStore;
  /** Resumes (or ends `failed`/`interrupted`) executions left `running` by dead processes. */
  recover(executor: ResumingExecutor, options?: { staleAfterMs?: number }): Promise<RecoveryReport>;
  /** Deletes finished executions that started before `olderThan`; returns how many. */
  prune(olderThan: Date): Promise<number>;
  /** Prunes per `config.retentionDays` now and hourly until `close()` (no-op when 0). */
  startRetention(intervalMs?: number): void;
  /** Flushes queued writes and closes the connection. */
  close(): Promise<void>;
}

export interface OpenPersistenceOptions {
  /** An explicit SQLite file (e.g. `weft run --db file.sqlite`), instead of `<dataDir>/weft.sqlite` / `DATABASE_URL`. */
  sqliteFile?: string;
  /** SQLite durability; see {@link SqliteSynchronous}. Default `normal`. */
  sqliteSynchronous?: SqliteSynchronous;
  /** Execution owner identity (default `host:pid:random`). */
  owner?: string;
  /** Heartbeat period of running executions, ms (default 10 000; 0 disables). */
  heartbeatMs?: number;
  /** A heartbeat older than this marks a dead owner, ms (default 30 000; keep it ≥ 3 × heartbeatMs). */
  staleAfterMs?: number;
  /** How often, while executions run here, other processes' cancel requests are looked for, ms (default 500; 0 disables). */
  cancelPollMs?: number;
}

/**
 * Opens weft's database: SQLite at `<dataDir>/weft.sqlite` (created with its directory), or
 * PostgreSQL when `config.databaseUrl` is set; applies pending migrations; builds the stores.
 * Connection and migration problems become a {@link PersistenceError} naming the database
 * (never its password).
 */
export async function openPersistence(
  config: WeftConfig,
  logger: Logger = silentLogger,
  options: OpenPersistenceOptions = {},
): Promise<Persistence> {
  const target = databaseTarget(config.databaseUrl, config.dataDir, options.sqliteFile);
  const location = target.dialect === 'sqlite' ? target.location : redactUrl(target.location);
  const what = target.dialect === 'sqlite' ? `SQLite database ${location}` : `PostgreSQL database ${location}`;
  let orm: MikroORM | null = null;
  try {
    if (target.dialect === 'sqlite') mkdirSync(dirname(target.location), { recursive: true });
    orm = await MikroORM.init(ormOptions(target, logger, options.sqliteSynchronous));
    const check = await orm.checkConnection();
    if (!check.ok) throw check.error ?? new Error(check.reason);
    await orm.getMigrator().up();
  } catch (err) {
    await orm?.close(true).catch(() => undefined);
    const msg = (err as Error).message?.split(target.location).join(location) ?? String(err);
    throw new PersistenceError(`cannot open the ${what}: ${redactPasswords(msg)}`);
  }
  const knex = (orm.em as EntityManager).getKnex();
  let executionStore: SqlExecutionStore;
  let mapItemStore: SqlMapItemStore;
  let cursorSecret: Buffer;
  try {
    const secretRow = await knex('weft_meta').where({ key: 'cursor_secret' }).first('value');
    cursorSecret = Buffer.from(String(secretRow?.value ?? ''), 'hex');
    if (cursorSecret.length < 16) throw new Error('it has no cursor secret (weft_meta); was it migrated by weft?');
    const driver =
      target.dialect === 'sqlite'
        ? new SqliteBatchDriver(knex, target.location, options.sqliteSynchronous ?? 'normal')
        : new PgBatchDriver(knex);
    executionStore = new SqlExecutionStore({
      knex,
      driver,
      dialect: target.dialect,
      cursorSecret,
      maxOutputBytes: config.maxOutputBytes,
      inlineOutputBytes: config.inlineOutputBytes,
      owner: options.owner,
      heartbeatMs: options.heartbeatMs,
      staleAfterMs: options.staleAfterMs,
      cancelPollMs: options.cancelPollMs,
      logger,
    });
    mapItemStore = new SqlMapItemStore({ writer: executionStore.writer, driver, maxOutputBytes: config.maxOutputBytes });
  } catch (err) {
    await orm.close(true).catch(() => undefined);
    throw new PersistenceError(`cannot open the ${what}: ${redactPasswords((err as Error).message)}`);
  }
  const workflowStore = new SqlWorkflowStore(knex, cursorSecret);
  const apiKeyStore = new SqlApiKeyStore(orm);
  let secretStore: SqlSecretStore;
  try {
    // on SQLite the key file lives beside the database (`<dataDir>/secrets.key` by default)
    const key = resolveSecretsKey(config.secretsKey, target.dialect === 'sqlite' ? dirname(target.location) : null);
    secretStore = new SqlSecretStore(knex, key ? new SecretCipher(key) : null);
    await secretStore.checkKey();
  } catch (err) {
    await executionStore.close().catch(() => undefined);
    await orm.close(true).catch(() => undefined);
    throw err;
  }
  let retention: { stop(): Promise<void> } | null = null;
  let closed = false;
  const prune = (olderThan: Date) => pruneExecutions(knex, olderThan);
  logger.info({ database: what }, 'persistence ready');
  return {
    orm,
    dialect: target.dialect,
    location,
    executionStore,
    workflowStore,
    apiKeyStore,
    secretStore,
    mapItemStore,
    recover: (executor, o = {}) =>
      recoverExecutions({
        store: executionStore,
        getDefinition: (id, version) => workflowStore.getVersion(id, version),
        executor,
        logger,
        staleAfterMs: o.staleAfterMs,
      }),
    prune,
    startRetention(intervalMs?: number) {
      if (!retention) retention = startRetention({ prune, retentionDays: config.retentionDays, intervalMs, logger });
    },
    async close() {
      if (closed) return;
      closed = true;
      await retention?.stop();
      await executionStore.close();
      await orm.close(true);
    },
  };
}

/**
 * DI bindings of the stores for `Kernel.create({ services })`. The kernel's stop flushes the
 * execution store; close the {@link Persistence} after the kernel.
 */
export function persistenceBindings(p: Persistence): ServiceBinding<any>[] {
  return [
    bind(Tokens.ExecutionStore, () => p.executionStore),
    bind(Tokens.WorkflowStore, () => p.workflowStore),
    bind(Tokens.ApiKeyStore, () => p.apiKeyStore),
    bind(Tokens.SecretStore, () => p.secretStore),
    bind(Tokens.MapItemStore, () => p.mapItemStore),
  ];
}
