import type { MigrationObject } from '@mikro-orm/core';
import { PostgresInitialSchema } from './postgresql/initial-schema.migration';
import { PostgresCancelRequest } from './postgresql/cancel-request.migration';
import { SqliteInitialSchema } from './sqlite/initial-schema.migration';
import { SqliteCancelRequest } from './sqlite/cancel-request.migration';
import { SqliteWaits } from './sqlite/waits.migration';
import { PostgresWaits } from './postgresql/waits.migration';

/** The dialects weft persists to. */
export type PersistenceDialect = 'sqlite' | 'postgresql';

/**
 * Migrations per dialect, in order. Names are shared across dialects and never change once
 * released (the migrations table records them); add new ones at the end of both lists.
 */
export function migrationsFor(dialect: PersistenceDialect): MigrationObject[] {
  return dialect === 'sqlite'
    ? [
        { name: '0001_initial_schema', class: SqliteInitialSchema },
        { name: '0002_cancel_request', class: SqliteCancelRequest },
        { name: '0006_waits', class: SqliteWaits },
      ]
    : [
        { name: '0001_initial_schema', class: PostgresInitialSchema },
        { name: '0002_cancel_request', class: PostgresCancelRequest },
        { name: '0006_waits', class: PostgresWaits },
      ];
}
