import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL: one row per finished item of a `map` node, so a resumed execution runs again only
 * the items that were in flight. The primary key serves the read of one node's items.
 */
export class PostgresMapItems extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "map_item" ("execution_id" varchar(36) collate "C" not null, "node_id" varchar(200) not null, "item_index" int not null, "status" varchar(16) not null, "output" text null, "error" text null, constraint "map_item_pkey" primary key ("execution_id", "node_id", "item_index"));',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "map_item";');
  }
}
