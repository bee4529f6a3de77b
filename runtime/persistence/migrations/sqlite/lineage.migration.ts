import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: where an execution came from — the parent execution and node of a sub-workflow's (or a
 * map item's) child, the item's index, and the execution a re-run repeats — and, per node, the
 * execution whose output a re-run copied. The children index serves `GET /executions/:id/children`
 * (direct children oldest first, keyset on id) and holds only child executions.
 */
export class SqliteLineage extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `workflow_execution` add column `parent_execution_id` text null;');
    this.addSql('alter table `workflow_execution` add column `parent_node_id` text null;');
    this.addSql('alter table `workflow_execution` add column `item_index` integer null;');
    this.addSql('alter table `workflow_execution` add column `rerun_of` text null;');
    this.addSql('alter table `node_execution` add column `reused_from` text null;');
    this.addSql(
      'create index `workflow_execution_parent_execution_id_id_index` on `workflow_execution` (`parent_execution_id`, `id`) where `parent_execution_id` is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists `workflow_execution_parent_execution_id_id_index`;');
    this.addSql('alter table `node_execution` drop column `reused_from`;');
    this.addSql('alter table `workflow_execution` drop column `rerun_of`;');
    this.addSql('alter table `workflow_execution` drop column `item_index`;');
    this.addSql('alter table `workflow_execution` drop column `parent_node_id`;');
    this.addSql('alter table `workflow_execution` drop column `parent_execution_id`;');
  }
}
