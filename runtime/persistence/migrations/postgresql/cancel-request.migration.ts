import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: durable cancel requests on executions (`POST /executions/:id/cancel` for an
 * execution another process runs). Adding nullable columns without defaults rewrites no rows.
 * The partial index holds only running executions with an open request, so the owners' frequent
 * poll reads a handful of entries and no other write pays for it.
 */
export class PostgresCancelRequest extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table "workflow_execution" add column "cancel_requested_at" bigint null, add column "cancel_reason" varchar(500) null;',
    );
    this.addSql(
      'create index "workflow_execution_cancel_requested_index" on "workflow_execution" ("owner") where "cancel_requested_at" is not null and "status" = \'running\';',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "workflow_execution_cancel_requested_index";');
    this.addSql('alter table "workflow_execution" drop column "cancel_reason", drop column "cancel_requested_at";');
  }
}
