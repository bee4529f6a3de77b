import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';

/** SQLite: the first schema (tables, the indexes listing/recovery/pruning need, the cursor secret). */
export class SqliteInitialSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `workflow` (`id` text not null, `name` text not null, `current_version` integer not null, `schedule` text null, `created_at` bigint not null, `updated_at` bigint not null, `deleted_at` bigint null, primary key (`id`));',
    );
    this.addSql(
      'create table `workflow_version` (`workflow_id` text not null, `version` integer not null, `definition` text not null, `created_at` bigint not null, primary key (`workflow_id`, `version`));',
    );
    this.addSql(
      'create table `workflow_execution` (`id` text not null, `workflow_id` text not null, `workflow_version` integer not null, `status` text not null, `triggered_by` text not null, `inputs` text not null, `outputs` text null, `error` text null, `idempotency_key` text null, `started_at` bigint not null, `finished_at` bigint null, `duration_ms` bigint null, `owner` text null, `heartbeat_at` bigint null, `definition` text null, primary key (`id`));',
    );
    // keyset listing newest first, per workflow (by id; by start time when a date range is given)
    this.addSql('create index `workflow_execution_workflow_id_id_index` on `workflow_execution` (`workflow_id`, `id` desc);');
    this.addSql('create index `workflow_execution_workflow_id_status_id_index` on `workflow_execution` (`workflow_id`, `status`, `id`);');
    this.addSql(
      'create index `workflow_execution_workflow_id_started_at_id_index` on `workflow_execution` (`workflow_id`, `started_at`, `id`);',
    );
    // recovery looks for `running`; pruning walks `started_at` across workflows
    this.addSql('create index `workflow_execution_status_index` on `workflow_execution` (`status`);');
    this.addSql('create index `workflow_execution_started_at_index` on `workflow_execution` (`started_at`);');
    this.addSql(
      'create unique index `workflow_execution_workflow_id_idempotency_key_unique` on `workflow_execution` (`workflow_id`, `idempotency_key`);',
    );
    // clustered on (execution_id, node_id): one b-tree to write per node record, and an execution's nodes are adjacent
    this.addSql(
      'create table `node_execution` (`execution_id` text not null, `node_id` text not null, `position` integer null, `status` text not null, `attempts` integer not null, `started_at` bigint null, `finished_at` bigint null, `duration_ms` bigint null, `output` text null, `error` text null, `attempt_errors` text null, `recovered_by` text null, `skip_reason` text null, `branch` text null, `fallback_for` text null, primary key (`execution_id`, `node_id`)) without rowid;',
    );
    this.addSql(
      'create table `api_key` (`id` text not null, `role` text not null, `name` text null, `hash` text not null, `scheme` text not null, `created_at` bigint not null, `revoked_at` bigint null, primary key (`id`));',
    );
    this.addSql('create unique index `api_key_hash_unique` on `api_key` (`hash`);');
    this.addSql('create table `weft_meta` (`key` text not null, `value` text not null, primary key (`key`));');
    this.addSql(
      this.getKnex()
        .table('weft_meta')
        .insert({ key: 'cursor_secret', value: randomBytes(32).toString('hex') }),
    );
  }

  override async down(): Promise<void> {
    for (const t of ['weft_meta', 'api_key', 'node_execution', 'workflow_execution', 'workflow_version', 'workflow']) {
      this.addSql(`drop table if exists \`${t}\`;`);
    }
  }
}
