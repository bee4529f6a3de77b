import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: a child wait keeps its node attempt's deadline apart from its due time (a child's
 * end makes the row due at once, and a woken map must go on with the deadline it parked with). A
 * nullable column without a default rewrites no rows.
 */
export class PostgresWaitDeadlines extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "weft_wait" add column "deadline_at" bigint null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "weft_wait" drop column "deadline_at";');
  }
}
