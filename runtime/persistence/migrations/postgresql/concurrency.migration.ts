import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: per-workflow concurrency and priority. `priority` (0–9) orders a freed slot's
 * takers; `concurrency_key` (the rendered key, '' without one) and `concurrency_limit` are set
 * only on executions held to a limit; `admitted_at` marks the ones that hold a slot. The partial
 * index serves the admission queries and holds only limited executions. A constant default
 * rewrites no rows (PostgreSQL 11+).
 */
export class PostgresConcurrency extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table "workflow_execution" add column "priority" int not null default 5, add column "concurrency_key" varchar(500) null, add column "concurrency_limit" int null, add column "admitted_at" bigint null;',
    );
    this.addSql(
      'create index "workflow_execution_concurrency_index" on "workflow_execution" ("workflow_id", "concurrency_key", "status", "priority", "id") where "concurrency_key" is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "workflow_execution_concurrency_index";');
    this.addSql(
      'alter table "workflow_execution" drop column "admitted_at", drop column "concurrency_limit", drop column "concurrency_key", drop column "priority";',
    );
  }
}
