import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: a `workflow` node parks on its child execution's end (`weft_wait` kind `child`). The
 * partial index finds the parents' waits when a child ends, and holds only child waits.
 */
export class SqliteChildWaits extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `weft_wait` add column `child_execution_id` text null;');
    this.addSql(
      'create index `weft_wait_child_execution_id_index` on `weft_wait` (`child_execution_id`) where `child_execution_id` is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists `weft_wait_child_execution_id_index`;');
    this.addSql('alter table `weft_wait` drop column `child_execution_id`;');
  }
}
