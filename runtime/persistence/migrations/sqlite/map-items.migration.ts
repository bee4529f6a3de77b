import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: one row per finished item of a `map` node, so a resumed execution runs again only the
 * items that were in flight. Keyed like the node's own row, plus the item index; without rowid,
 * so the rows of one node sit together and are read back in one range scan.
 */
export class SqliteMapItems extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `map_item` (`execution_id` text not null, `node_id` text not null, `item_index` integer not null, `status` text not null, `output` text null, `error` text null, primary key (`execution_id`, `node_id`, `item_index`)) without rowid;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `map_item`;');
  }
}
