import { v7 as uuidv7 } from 'uuid';
import { get, run, type WriteOp } from './sql-batch';

/** What {@link bufferSignalOp} found. */
export type BufferSignalResult = { kind: 'missing' } | { kind: 'finished'; status: string } | { kind: 'buffered'; id: string };

/** Keeps a signal on an unfinished execution (first in, first out by its time-ordered id). */
export function bufferSignalOp(executionId: string, name: string, payloadJson: string, nowMs: number): WriteOp<BufferSignalResult> {
  return function* () {
    const row = yield get('select status from workflow_execution where id = ?', [executionId]);
    if (!row) return { kind: 'missing' };
    const id = uuidv7();
    const n = yield run(
      "insert into weft_signal (id, execution_id, name, payload, received_at) select ?, ?, ?, ?, cast(? as bigint) where exists (select 1 from workflow_execution where id = ? and status in ('pending', 'running', 'waiting'))",
      [id, executionId, name, payloadJson, nowMs, executionId],
    );
    return n === 1 ? { kind: 'buffered', id } : { kind: 'finished', status: String(row.status) };
  };
}
