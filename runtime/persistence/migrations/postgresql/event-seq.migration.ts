import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: the last event number of a parked execution, so the run that resumes it numbers
 * its events on from there. A nullable column without a default rewrites no rows.
 */
export class PostgresEventSeq extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "workflow_execution" add column "event_seq" int null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "workflow_execution" drop column "event_seq";');
  }
}
