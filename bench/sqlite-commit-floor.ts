import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from './bench-stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (file: string) => {
  pragma(sql: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): { run(...p: unknown[]): unknown; get(...p: unknown[]): unknown };
  transaction(fn: (...a: any[]) => void): { immediate(...a: any[]): void };
  close(): void;
};

const COLUMNS = ['execution_id', 'node_id', 'position', 'status', 'attempts', 'started_at', 'finished_at', 'output'];

/**
 * What one durable node's commit costs on this machine right now, with nothing of weft around
 * it: better-sqlite3 on a WAL file with weft's pragmas, one transaction per row holding the claim
 * check and the node row's upsert (what a chain node commits). The machine's speed drifts by
 * half from one minute to the next (other guests on the host share its caches), so a durable
 * node's figure reads best beside this floor, measured in the same minute. Median µs per commit
 * over `rounds` rounds of 1,000.
 */
export function sqliteCommitFloorMicros(rounds = 5): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-commit-floor-'));
  const db = new Sqlite(path.join(dir, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(
      `create table node_execution (execution_id text not null, node_id text not null, position integer, status text not null, attempts integer not null, started_at bigint, finished_at bigint, output text, primary key (execution_id, node_id)) without rowid;
       create table workflow_execution (id text primary key, claim_epoch integer not null)`,
    );
    const claim = db.prepare('select 1 from workflow_execution where id = ? and claim_epoch = ?');
    const upsert = db.prepare(
      `insert into node_execution (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')}) on conflict (execution_id, node_id) do update set ${COLUMNS.slice(
        2,
      )
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`,
    );
    const commit = db.transaction((id: string, i: number) => {
      claim.get(id, 0);
      upsert.run(id, `n${i}`, i, 'succeeded', 1, Date.now(), Date.now(), '{"i":0}');
    });
    const perCommit: number[] = [];
    for (let r = 0; r < rounds + 1; r++) {
      const id = `execution-${r}`;
      db.prepare('insert into workflow_execution values (?, 0)').run(id);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 1000; i++) commit.immediate(id, i);
      // the first round warms the page cache and the WAL file up
      if (r > 0) perCommit.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(perCommit);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
