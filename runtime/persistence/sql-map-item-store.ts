import type { MapItemRecord, MapItemStore, ParkedItemState } from '../../core/store/map-item-store';
import type { NodeErrorRecord } from '../../core/model/execution-document';
import type { GroupCommitWriter } from './group-commit-writer';
import type { SqlBatchDriver, WriteOp } from './sql-batch';
import { run } from './sql-batch';
import { assertOutputSize } from './output-size';
import { fromJson } from './sql-codec';

const COLUMNS = ['execution_id', 'node_id', 'item_index', 'status', 'output', 'error'];
/** Rows per insert statement: a few fixed sizes keep the prepared-statement cache small. */
const CHUNKS = [64, 8, 1];
const insertSql = (rows: number) =>
  `insert into map_item (${COLUMNS.join(', ')}) values ${new Array(rows).fill(`(${COLUMNS.map(() => '?').join(', ')})`).join(', ')} ` +
  'on conflict (execution_id, node_id, item_index) do update set status = excluded.status, output = excluded.output, error = excluded.error';
const INSERTS = new Map(CHUNKS.map((n) => [n, insertSql(n)]));
const SELECT = 'select item_index, status, output, error from map_item where execution_id = ? and node_id = ?';

export interface SqlMapItemStoreOptions {
  writer: GroupCommitWriter;
  driver: SqlBatchDriver;
  maxOutputBytes: number;
}

/**
 * {@link MapItemStore} on SQLite or PostgreSQL. Items finished while a commit is queued share one
 * write op (multi-row inserts) in the execution store's group commit, so an item costs a few
 * bound values in a shared transaction rather than a commit of its own.
 */
export class SqlMapItemStore implements MapItemStore {
  /** Bound values of the queued rows, row after row (one flat array: no array per item). */
  private queued: unknown[] = [];
  private pending: Promise<void> | null = null;

  constructor(private readonly options: SqlMapItemStoreOptions) {}

  record(executionId: string, nodeId: string, item: MapItemRecord): Promise<void> {
    let output: string | null;
    try {
      output = item.status === 'succeeded' ? assertOutputSize(`${nodeId}[${item.index}]`, item.output, this.options.maxOutputBytes) : null;
    } catch (err) {
      return Promise.reject(err);
    }
    // a parked item's state rides in the output column (it has no output yet)
    if (item.status === 'parked') output = JSON.stringify(item.parked ?? null);
    const error = item.error ? JSON.stringify(item.error) : null;
    this.queued.push(executionId, nodeId, item.index, item.status, output, error);
    if (this.pending) return this.pending;
    const p = this.options.writer.run(this.batchOp());
    // a batch that failed before its op ran must not swallow the next items' writes
    p.catch(() => this.pending === p && (this.pending = null));
    return (this.pending = p);
  }

  async list(executionId: string, nodeId: string): Promise<MapItemRecord[]> {
    const rows = await this.options.driver.all(SELECT, [executionId, nodeId]);
    return rows.map((r): MapItemRecord => {
      const index = Number(r.item_index);
      if (r.status === 'parked')
        return { index, status: 'parked', output: null, error: null, parked: fromJson<ParkedItemState>(r.output) ?? undefined };
      return {
        index,
        status: r.status === 'succeeded' ? 'succeeded' : 'failed',
        output: fromJson(r.output),
        error: fromJson<NodeErrorRecord>(r.error),
      };
    });
  }

  /**
   * One op for every item queued until its commit starts. The rows are taken when the op first
   * runs and kept, so a retry of a failed batch writes the same rows again.
   */
  private batchOp(): WriteOp<void> {
    let rows: unknown[] | null = null;
    return () => {
      if (rows === null) {
        rows = this.queued;
        this.queued = [];
        this.pending = null;
      }
      return insertRows(rows);
    };
  }
}

function* insertRows(values: unknown[]): Generator<ReturnType<typeof run>, void, unknown> {
  const width = COLUMNS.length;
  const count = values.length / width;
  let at = 0;
  for (const size of CHUNKS) {
    while (count - at >= size) {
      yield run(INSERTS.get(size)!, values.slice(at * width, (at + size) * width));
      at += size;
    }
  }
}
