import { Migration } from '@mikro-orm/migrations';

/** SQLite: encrypted secrets (AES-256-GCM; the row holds IV ‖ tag ‖ ciphertext, never the value). */
export class SqliteSecrets extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `secret` (`name` text not null, `sealed` text not null, `created_at` bigint not null, `updated_at` bigint not null, primary key (`name`));',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `secret`;');
  }
}
