import { run, type SqlStep } from './sql-batch';
import { KEPT, type KeptOutput } from './node-output-keeper';
import { NODE_COLUMNS } from './execution-row-mapper';

const NODE_MERGE = NODE_COLUMNS.filter((c) => c !== 'execution_id' && c !== 'node_id' && c !== 'position')
  .map((c) => `${c} = excluded.${c}`)
  .concat(['position = coalesce(node_execution.position, excluded.position)'])
  .join(', ');
const NODE_TUPLE = `(${NODE_COLUMNS.map(() => '?').join(', ')})`;
/** Rows per statement: 16 columns × 400 stays well under both dialects' bound-parameter limits. */
const NODE_CHUNK = 400;

/** The upsert of `count` node rows; built once per row count (a chain writes one row per commit, over and over). */
const upsertSql = new Map<string, string>();
function nodeUpsertSql(count: number, keepExisting: boolean): string {
  const key = `${count}:${keepExisting ? 1 : 0}`;
  let sql = upsertSql.get(key);
  if (sql === undefined) {
    sql = `insert into node_execution (${NODE_COLUMNS.join(', ')}) values ${Array(count).fill(NODE_TUPLE).join(', ')} on conflict (execution_id, node_id) ${keepExisting ? 'do nothing' : `do update set ${NODE_MERGE}`}`;
    if (upsertSql.size < 2 * NODE_CHUNK + 2) upsertSql.set(key, sql);
  }
  return sql;
}

/** Appends a row's values in column order: generated once from the column list, so it reads fixed properties, not a loop of lookups by name. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const pushNodeParams = new Function('r', 'p', NODE_COLUMNS.map((c) => `p.push(r.${c} === undefined ? null : r.${c});`).join('\n')) as (
  r: Record<string, unknown>,
  p: unknown[],
) => void;

/** Multi-row upserts of node execution rows (latest state wins; with `keepExisting`, rows already there are left alone). */
export function upsertNodeSteps(rows: Record<string, unknown>[], keepExisting = false): SqlStep[] {
  const steps: SqlStep[] = [];
  for (let i = 0; i < rows.length; i += NODE_CHUNK) {
    const end = Math.min(rows.length, i + NODE_CHUNK);
    const params: unknown[] = [];
    for (let j = i; j < end; j++) pushNodeParams(rows[j]!, params);
    steps.push(run(nodeUpsertSql(end - i, keepExisting), params));
  }
  for (const r of rows) {
    const kept = r[KEPT] as KeptOutput | undefined;
    if (kept) steps.push(keptOutputStep(String(r.execution_id), String(r.node_id), kept));
  }
  return steps;
}

/** Writes a node's kept output with its row: the JSON, or a copy made inside the database (a re-run's reused node). */
function keptOutputStep(executionId: string, nodeId: string, kept: KeptOutput): SqlStep {
  if ('copyFrom' in kept) {
    return run(
      'insert into node_output (execution_id, node_id, bytes, json) select ?, node_id, bytes, json from node_output where execution_id = ? and node_id = ? on conflict (execution_id, node_id) do nothing',
      [executionId, kept.copyFrom, nodeId],
    );
  }
  return run(
    'insert into node_output (execution_id, node_id, bytes, json) values (?, ?, ?, ?) on conflict (execution_id, node_id) do update set bytes = excluded.bytes, json = excluded.json',
    [executionId, nodeId, kept.bytes, kept.json],
  );
}
