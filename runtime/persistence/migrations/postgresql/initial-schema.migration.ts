import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: the first schema. Ids compare with `collate "C"` so keyset order is byte order
 * (UUIDv7 time order) whatever the database's locale.
 */
export class PostgresInitialSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "workflow" ("id" varchar(64) collate "C" not null, "name" varchar(200) not null, "current_version" int not null, "schedule" text null, "created_at" bigint not null, "updated_at" bigint not null, "deleted_at" bigint null, constraint "workflow_pkey" primary key ("id"));',
    );
    this.addSql(
      'create table "workflow_version" ("workflow_id" varchar(64) collate "C" not null, "version" int not null, "definition" text not null, "created_at" bigint not null, constraint "workflow_version_pkey" primary key ("workflow_id", "version"));',
    );
    this.addSql(
      'create table "workflow_execution" ("id" varchar(36) collate "C" not null, "workflow_id" varchar(200) collate "C" not null, "workflow_version" int not null, "status" varchar(32) not null, "triggered_by" varchar(16) not null, "inputs" text not null, "outputs" text null, "error" text null, "idempotency_key" varchar(512) null, "started_at" bigint not null, "finished_at" bigint null, "duration_ms" bigint null, "owner" varchar(128) null, "heartbeat_at" bigint null, "definition" text null, constraint "workflow_execution_pkey" primary key ("id"));',
    );
    // keyset listing newest first, per workflow (by id; by start time when a date range is given)
    this.addSql('create index "workflow_execution_workflow_id_id_index" on "workflow_execution" ("workflow_id", "id" desc);');
    this.addSql('create index "workflow_execution_workflow_id_status_id_index" on "workflow_execution" ("workflow_id", "status", "id");');
    this.addSql(
      'create index "workflow_execution_workflow_id_started_at_id_index" on "workflow_execution" ("workflow_id", "started_at", "id");',
    );
    // recovery looks for `running`; pruning walks `started_at` across workflows
    this.addSql('create index "workflow_execution_status_index" on "workflow_execution" ("status");');
    this.addSql('create index "workflow_execution_started_at_index" on "workflow_execution" ("started_at");');
    this.addSql(
      'alter table "workflow_execution" add constraint "workflow_execution_workflow_id_idempotency_key_unique" unique ("workflow_id", "idempotency_key");',
    );
    this.addSql(
      'create table "node_execution" ("execution_id" varchar(36) collate "C" not null, "node_id" varchar(200) not null, "position" int null, "status" varchar(16) not null, "attempts" int not null, "started_at" bigint null, "finished_at" bigint null, "duration_ms" bigint null, "output" text null, "error" text null, "attempt_errors" text null, "recovered_by" varchar(200) null, "skip_reason" varchar(32) null, "branch" varchar(200) null, "fallback_for" varchar(200) null, constraint "node_execution_pkey" primary key ("execution_id", "node_id"));',
    );
    this.addSql(
      'create table "api_key" ("id" varchar(32) not null, "role" varchar(16) not null, "name" varchar(200) null, "hash" varchar(64) not null, "scheme" varchar(16) not null, "created_at" bigint not null, "revoked_at" bigint null, constraint "api_key_pkey" primary key ("id"));',
    );
    this.addSql('alter table "api_key" add constraint "api_key_hash_unique" unique ("hash");');
    this.addSql(
      'create table "weft_meta" ("key" varchar(64) not null, "value" text not null, constraint "weft_meta_pkey" primary key ("key"));',
    );
    this.addSql(
      this.getKnex()
        .table('weft_meta')
        .insert({ key: 'cursor_secret', value: randomBytes(32).toString('hex') }),
    );
  }

  override async down(): Promise<void> {
    for (const t of ['weft_meta', 'api_key', 'node_execution', 'workflow_execution', 'workflow_version', 'workflow']) {
      this.addSql(`drop table if exists "${t}";`);
    }
  }
}
