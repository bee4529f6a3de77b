import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: a child wait keeps its node attempt's deadline apart from its due time (a child's end
 * makes the row due at once, and a woken map must go on with the deadline it parked with).
 */
export class SqliteWaitDeadlines extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `weft_wait` add column `deadline_at` bigint null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `weft_wait` drop column `deadline_at`;');
  }
}
