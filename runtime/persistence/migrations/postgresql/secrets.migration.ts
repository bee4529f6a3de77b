import { Migration } from '@mikro-orm/migrations';

/** PostgreSQL: encrypted secrets (AES-256-GCM; the row holds IV ‖ tag ‖ ciphertext, never the value). */
export class PostgresSecrets extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "secret" ("name" varchar(64) not null, "sealed" text not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "secret_pkey" primary key ("name"));',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "secret";');
  }
}
