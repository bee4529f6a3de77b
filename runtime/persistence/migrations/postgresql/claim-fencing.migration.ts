import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: `claim_epoch`, the fence of an execution's claim. Every takeover (a queue worker
 * claiming it, recovery resuming it) raises it, and every write of the process running the
 * execution is conditional on the epoch it took, so a process that lost its claim (stuck, cut
 * off) records nothing more. A constant default adds the column without rewriting rows.
 */
export class PostgresClaimFencing extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "workflow_execution" add column "claim_epoch" int not null default 0;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "workflow_execution" drop column "claim_epoch";');
  }
}
