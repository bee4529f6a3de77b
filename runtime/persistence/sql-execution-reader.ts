import type { Knex } from '@mikro-orm/knex';
import type { ExecutionDocument, NodeExecutionRecord } from '../../core/model/execution-document';
import type { ExecutionListQuery, ExecutionPage } from '../../core/store/execution-store';
import { nodeOutputRef } from '../../core/model/node-output-ref';
import { CursorCodec } from '../../core/store/cursor-codec';
import { checkListQuery, queryExecutionPage } from './execution-list-query';
import { NODE_COLUMNS, rowToNode, rowToSummary, sortNodeRows, SUMMARY_COLUMNS } from './execution-row-mapper';
import type { SqlBatchDriver } from './sql-batch';
import type { WaitSpec } from '../../core/plugin/park-request';
import { waitsOfRows } from './wait-row-mapper';

/** The lookups by key behind `GET /executions/:id`: fixed SQL, prepared once per connection. */
const SELECT_EXECUTION = `select ${SUMMARY_COLUMNS.join(', ')} from workflow_execution where id = ?`;
const SELECT_NODES = `select ${NODE_COLUMNS.join(', ')} from node_execution where execution_id = ?`;
/** Sizes only: a document names a large output, it never loads it. */
const SELECT_OUTPUT_SIZES = 'select node_id, bytes from node_output where execution_id = ?';
/** The stored text as it is (the output route streams it, nothing parses it). */
const SELECT_OUTPUT =
  'select n.output as inline_json, o.json as kept_json from node_execution n left join node_output o on o.execution_id = n.execution_id and o.node_id = n.node_id where n.execution_id = ? and n.node_id = ?';

/**
 * The execution store's reads: documents, node rows, lists, a node's whole output, event numbers and node waits. Lists carry
 * summaries only (no node outputs); documents carry outputs up to the inline size and a
 * `{ $ref, bytes }` for those kept in `node_output`.
 */
export class SqlExecutionReader {
  constructor(
    readonly knex: Knex,
    protected readonly driver: SqlBatchDriver,
    private readonly cursors: CursorCodec,
  ) {}

  async lastEventSeq(executionId: string): Promise<number> {
    const row = await this.knex('workflow_execution').where({ id: executionId }).first('event_seq');
    return Number(row?.event_seq ?? 0);
  }

  async listWaits(executionId: string): Promise<Array<{ nodeId: string; wait: WaitSpec }>> {
    const rows = await this.knex('weft_wait')
      .where({ execution_id: executionId })
      .whereNotNull('node_id')
      .select('node_id', 'kind', 'due_at', 'signal_name', 'child_execution_id', 'deadline_at');
    return waitsOfRows(rows);
  }

  async getExecution(executionId: string): Promise<ExecutionDocument | null> {
    if (!isId(executionId, 200)) return null;
    const [row] = await this.driver.all(SELECT_EXECUTION, [executionId]);
    if (!row) return null;
    return { ...rowToSummary(row), nodes: await this.listNodeExecutions(executionId) };
  }

  async listNodeExecutions(executionId: string): Promise<NodeExecutionRecord[]> {
    if (!isId(executionId, 200)) return [];
    const [rows, sizes] = await Promise.all([
      this.driver.all(SELECT_NODES, [executionId]),
      this.driver.all(SELECT_OUTPUT_SIZES, [executionId]),
    ]);
    const kept = new Map(sizes.map((s) => [String(s.node_id), Number(s.bytes)]));
    return sortNodeRows(rows).map((row) => {
      const rec = rowToNode(row);
      const bytes = kept.get(rec.nodeId);
      // an inline output written later (the node ran again) wins over one kept earlier
      if (bytes !== undefined && (row.output === null || row.output === undefined))
        rec.output = nodeOutputRef(executionId, rec.nodeId, bytes);
      return rec;
    });
  }

  /** A node's output JSON text as stored ("null" for a node without output); null when there is no such node. */
  async readNodeOutput(executionId: string, nodeId: string): Promise<string | null> {
    if (!isId(executionId, 36) || !isId(nodeId, 200)) return null;
    const [row] = await this.driver.all(SELECT_OUTPUT, [executionId, nodeId]);
    if (!row) return null;
    return (row.inline_json as string | null) ?? (row.kept_json as string | null) ?? 'null';
  }

  /** A read of committed rows with fixed SQL (`?` placeholders, bound values). */
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return this.driver.all(sql, params);
  }

  async listExecutions(query: ExecutionListQuery): Promise<ExecutionPage> {
    return queryExecutionPage(this.knex, checkListQuery(query, this.cursors), this.cursors);
  }

  /** Served by the partial `(parent_execution_id, id)` index; the cursor is signed for this parent. */
  async listChildren(parentExecutionId: string, page: { limit: number; cursor?: string }): Promise<ExecutionPage> {
    const { limit } = checkListQuery({ workflowId: 'children', limit: page.limit }, this.cursors);
    if (!isId(parentExecutionId, 36)) return { items: [], nextCursor: null };
    const scope = JSON.stringify(['children', parentExecutionId]);
    const qb = this.knex('workflow_execution').select(SUMMARY_COLUMNS).where('parent_execution_id', parentExecutionId);
    if (page.cursor !== undefined) qb.where('id', '>', this.cursors.decode(page.cursor, scope));
    const rows = await qb.orderBy('id', 'asc').limit(limit + 1);
    const items = rows.slice(0, limit).map(rowToSummary);
    return { items, nextCursor: rows.length > limit ? this.cursors.encode(String(rows[limit - 1].id), scope) : null };
  }

  async findByIdempotencyKey(workflowId: string, key: string): Promise<ExecutionDocument | null> {
    if (typeof key !== 'string' || typeof workflowId !== 'string') return null;
    const row = await this.knex('workflow_execution').where({ workflow_id: workflowId, idempotency_key: key }).first('id');
    return row ? this.getExecution(String(row.id)) : null;
  }
}

/** PostgreSQL refuses NUL in text parameters: such an id cannot exist, so it is simply not found. */
function isId(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\u0000');
}
