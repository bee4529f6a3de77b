import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: `claim_epoch`, the fence of an execution's claim. Every takeover (recovery resuming it)
 * raises it, and every write of the process running the execution is conditional on the epoch it
 * took, so a process that lost its claim records nothing more.
 */
export class SqliteClaimFencing extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `workflow_execution` add column `claim_epoch` integer not null default 0;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `workflow_execution` drop column `claim_epoch`;');
  }
}
