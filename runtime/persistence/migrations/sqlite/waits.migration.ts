import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite: durable waits. `weft_wait` holds what each parked node waits for (a timer's due time, a
 * signal's name with its timeout) and a waiting execution's workflow deadline; the poller reads
 * the partial due-time index. `weft_signal` buffers signals on their execution, first in first out.
 */
export class SqliteWaits extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `weft_wait` (`id` text not null, `execution_id` text not null, `node_id` text null, `kind` text not null, `due_at` bigint null, `signal_name` text null, `created_at` bigint not null, primary key (`id`));',
    );
    this.addSql('create index `weft_wait_due_at_index` on `weft_wait` (`due_at`) where `due_at` is not null;');
    this.addSql('create index `weft_wait_execution_id_signal_name_index` on `weft_wait` (`execution_id`, `signal_name`);');
    this.addSql(
      'create table `weft_signal` (`id` text not null, `execution_id` text not null, `name` text not null, `payload` text null, `received_at` bigint not null, primary key (`id`));',
    );
    this.addSql('create index `weft_signal_execution_id_name_id_index` on `weft_signal` (`execution_id`, `name`, `id`);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `weft_signal`;');
    this.addSql('drop table if exists `weft_wait`;');
  }
}
