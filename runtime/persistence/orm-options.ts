import { join, resolve } from 'node:path';
import type { Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../../core/services/logger';
import { persistenceEntities } from './entities/persistence-entities';
import { migrationsFor, type PersistenceDialect } from './migrations/migration-list';

/**
 * SQLite durability. `normal` (the default): in WAL mode a commit is durable against a crash of
 * the weft process (the WAL write reaches the OS before the commit returns) but the last commits
 * may be lost if the machine itself loses power, since the WAL is fsynced only at checkpoints.
 * `full` fsyncs the WAL on every commit (power-loss safe) at several hundred µs to ms per commit on
 * typical disks — the figures are in bench/persistence.bench.ts. Choose `full` where power loss
 * matters more than per-node latency.
 */
export type SqliteSynchronous = 'normal' | 'full';

export interface DatabaseTarget {
  dialect: PersistenceDialect;
  /** File path (SQLite) or connection URL (PostgreSQL). */
  location: string;
}

/** SQLite at `<dataDir>/weft.sqlite` unless a PostgreSQL URL (or an explicit SQLite file) is given. */
export function databaseTarget(databaseUrl: string | null, dataDir: string, sqliteFile?: string): DatabaseTarget {
  if (databaseUrl && !sqliteFile) return { dialect: 'postgresql', location: databaseUrl };
  return { dialect: 'sqlite', location: resolve(sqliteFile ?? join(dataDir, 'weft.sqlite')) };
}

/** MikroORM options for a target: our entities, our migrations (applied by `migrator.up()`), no snapshots. */
export function ormOptions(target: DatabaseTarget, logger: Logger, synchronous: SqliteSynchronous = 'normal'): Options {
  const common = {
    entities: persistenceEntities,
    extensions: [Migrator],
    migrations: {
      migrationsList: migrationsFor(target.dialect),
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
      tableName: 'mikro_orm_migrations',
    },
    discovery: { warnWhenNoEntities: false },
    debug: false,
    // MikroORM's own log lines (connection attempts) go to our logger at debug level
    logger: (message: string) => logger.debug({ orm: message }),
    allowGlobalContext: false,
  } satisfies Options;
  if (target.dialect === 'sqlite') {
    return {
      ...common,
      driver: BetterSqliteDriver,
      dbName: target.location,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
            // another weft process on the same file (weft run --db while weft serve runs) waits instead of failing
            conn.pragma('busy_timeout = 5000');
            // as on the write connection (sqlite-batch-driver.ts): checkpoints run between
            // executions, not inside whichever request's commit crosses SQLite's default 1,000 frames
            conn.pragma('wal_autocheckpoint = 10000');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    };
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: target.location,
    pool: { min: 0, max: 10 },
  };
}
