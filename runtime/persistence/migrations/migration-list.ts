import type { MigrationObject } from '@mikro-orm/core';
import { PostgresInitialSchema } from './postgresql/initial-schema.migration';
import { PostgresCancelRequest } from './postgresql/cancel-request.migration';
import { PostgresClaimFencing } from './postgresql/claim-fencing.migration';
import { SqliteInitialSchema } from './sqlite/initial-schema.migration';
import { SqliteCancelRequest } from './sqlite/cancel-request.migration';
import { SqliteSecrets } from './sqlite/secrets.migration';
import { PostgresSecrets } from './postgresql/secrets.migration';
import { SqliteClaimFencing } from './sqlite/claim-fencing.migration';
import { SqliteLineage } from './sqlite/lineage.migration';
import { PostgresLineage } from './postgresql/lineage.migration';
import { SqliteMapItems } from './sqlite/map-items.migration';
import { PostgresMapItems } from './postgresql/map-items.migration';
import { SqliteWaits } from './sqlite/waits.migration';
import { PostgresWaits } from './postgresql/waits.migration';
import { SqliteNodeOutputs } from './sqlite/node-outputs.migration';
import { PostgresNodeOutputs } from './postgresql/node-outputs.migration';
import { SqliteConcurrency } from './sqlite/concurrency.migration';
import { PostgresConcurrency } from './postgresql/concurrency.migration';
import { SqliteEventSeq } from './sqlite/event-seq.migration';
import { SqliteWaitDeadlines } from './sqlite/wait-deadlines.migration';
import { PostgresWaitDeadlines } from './postgresql/wait-deadlines.migration';
import { PostgresEventSeq } from './postgresql/event-seq.migration';
import { SqliteChildWaits } from './sqlite/child-waits.migration';
import { PostgresChildWaits } from './postgresql/child-waits.migration';

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
        { name: '0003_secrets', class: SqliteSecrets },
        { name: '0004_claim_fencing', class: SqliteClaimFencing },
        { name: '0005_lineage', class: SqliteLineage },
        { name: '0006_map_items', class: SqliteMapItems },
        { name: '0007_waits', class: SqliteWaits },
        { name: '0008_node_outputs', class: SqliteNodeOutputs },
        { name: '0009_concurrency', class: SqliteConcurrency },
        { name: '0010_event_seq', class: SqliteEventSeq },
        { name: '0011_child_waits', class: SqliteChildWaits },
        { name: '0012_wait_deadlines', class: SqliteWaitDeadlines },
      ]
    : [
        { name: '0001_initial_schema', class: PostgresInitialSchema },
        { name: '0002_cancel_request', class: PostgresCancelRequest },
        { name: '0003_secrets', class: PostgresSecrets },
        { name: '0004_claim_fencing', class: PostgresClaimFencing },
        { name: '0005_lineage', class: PostgresLineage },
        { name: '0006_map_items', class: PostgresMapItems },
        { name: '0007_waits', class: PostgresWaits },
        { name: '0008_node_outputs', class: PostgresNodeOutputs },
        { name: '0009_concurrency', class: PostgresConcurrency },
        { name: '0010_event_seq', class: PostgresEventSeq },
        { name: '0011_child_waits', class: PostgresChildWaits },
        { name: '0012_wait_deadlines', class: PostgresWaitDeadlines },
      ];
}
