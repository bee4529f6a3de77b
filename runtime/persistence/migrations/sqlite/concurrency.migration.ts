import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: per-workflow concurrency and priority. `priority` (0–9) orders a freed slot's takers;
 * `concurrency_key` (the rendered key, '' without one) and `concurrency_limit` are set only on
 * executions held to a limit; `admitted_at` marks the ones that hold a slot. The partial index
 * serves the admission queries (slot holders and the queue of one workflow and key) and holds
 * only limited executions.
 */
export class SqliteConcurrency extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `workflow_execution` add column `priority` integer not null default 5;');
    this.addSql('alter table `workflow_execution` add column `concurrency_key` text null;');
    this.addSql('alter table `workflow_execution` add column `concurrency_limit` integer null;');
    this.addSql('alter table `workflow_execution` add column `admitted_at` bigint null;');
    this.addSql(
      'create index `workflow_execution_concurrency_index` on `workflow_execution` (`workflow_id`, `concurrency_key`, `status`, `priority`, `id`) where `concurrency_key` is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists `workflow_execution_concurrency_index`;');
    this.addSql('alter table `workflow_execution` drop column `admitted_at`;');
    this.addSql('alter table `workflow_execution` drop column `concurrency_limit`;');
    this.addSql('alter table `workflow_execution` drop column `concurrency_key`;');
    this.addSql('alter table `workflow_execution` drop column `priority`;');
  }
}
