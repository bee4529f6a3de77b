import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: the last event number of a parked execution, so the run that resumes it numbers its
 * events on from there (a live stream de-duplicates by that number and would drop a restart at 1).
 */
export class SqliteEventSeq extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `workflow_execution` add column `event_seq` integer null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `workflow_execution` drop column `event_seq`;');
  }
}
