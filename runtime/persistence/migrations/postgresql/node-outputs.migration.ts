import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: large payloads. A node output whose JSON is above `WEFT_INLINE_OUTPUT_BYTES` is kept
 * in `node_output` (its node row's `output` stays null; TOAST stores the text out of line), so
 * reading an execution's node rows never pulls megabytes that nobody asked for.
 */
export class PostgresNodeOutputs extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "node_output" ("execution_id" varchar(36) collate "C" not null, "node_id" varchar(200) not null, "bytes" integer not null, "json" text not null, constraint "node_output_pkey" primary key ("execution_id", "node_id"));',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "node_output";');
  }
}
