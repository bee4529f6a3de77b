import type {
  ExecutionDocument,
  ExecutionLineageFields,
  ExecutionSummary,
  NodeErrorRecord,
  NodeExecutionRecord,
} from '../../core/model/execution-document';
import type { ExecutionStartRecord } from '../../core/store/execution-store';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import { ValidationError } from '../../core/errors/weft-error';
import { neverStartedRecords } from '../../core/executor/node-records';
import { DEFAULT_PRIORITY } from '../../core/executor/execute-options';
import { fromJson, isoToMs, msToIso, optIsoToMs, toNumber } from './sql-codec';

/** Columns of `workflow_execution` that make an {@link ExecutionSummary} (not the kept definition). */
export const SUMMARY_COLUMNS = [
  'id',
  'workflow_id',
  'workflow_version',
  'status',
  'triggered_by',
  'inputs',
  'outputs',
  'error',
  'idempotency_key',
  'started_at',
  'finished_at',
  'duration_ms',
  'parent_execution_id',
  'parent_node_id',
  'item_index',
  'rerun_of',
  'priority',
  'concurrency_key',
] as const;

export const NODE_COLUMNS = [
  'execution_id',
  'node_id',
  'position',
  'status',
  'attempts',
  'started_at',
  'finished_at',
  'duration_ms',
  'output',
  'error',
  'attempt_errors',
  'recovered_by',
  'skip_reason',
  'branch',
  'fallback_for',
  'reused_from',
] as const;

type DbRow = Record<string, unknown>;

/**
 * The `workflow_execution` row of a starting execution. A record with `status: 'pending'` (the
 * queue records executions before a worker claims them) is stored `pending` without an owner.
 */
export function executionStartRow(r: ExecutionStartRecord & { status?: string }, owner: string, nowMs: number): DbRow {
  const pending = r.status === 'pending';
  return {
    id: r.id,
    workflow_id: r.workflowId,
    workflow_version: r.workflowVersion,
    status: pending ? 'pending' : 'running',
    triggered_by: r.trigger,
    inputs: JSON.stringify(r.inputs ?? {}),
    outputs: null,
    error: null,
    idempotency_key: r.idempotencyKey ?? null,
    started_at: isoToMs(r.startedAt, 'startedAt'),
    finished_at: null,
    duration_ms: null,
    owner: pending ? null : owner,
    heartbeat_at: pending ? null : nowMs,
    definition: null,
    parent_execution_id: r.parentExecutionId ?? null,
    parent_node_id: r.parentNodeId ?? null,
    item_index: r.itemIndex ?? null,
    rerun_of: r.rerunOf ?? null,
    priority: r.priority ?? DEFAULT_PRIORITY,
    concurrency_key: r.concurrency?.key ?? null,
    concurrency_limit: r.concurrency?.limit ?? null,
  };
}

/** The lineage fields of an execution row (null when unset). */
export function lineageOfRow(row: {
  parent_execution_id?: unknown;
  parent_node_id?: unknown;
  item_index?: unknown;
  rerun_of?: unknown;
}): ExecutionLineageFields {
  return {
    parentExecutionId: (row.parent_execution_id as string | null) ?? null,
    parentNodeId: (row.parent_node_id as string | null) ?? null,
    itemIndex: toNumber(row.item_index),
    rerunOf: (row.rerun_of as string | null) ?? null,
  };
}

export function rowToSummary(row: DbRow): ExecutionSummary {
  return {
    id: String(row.id),
    workflowId: String(row.workflow_id),
    workflowVersion: Number(row.workflow_version),
    status: row.status as ExecutionSummary['status'],
    trigger: row.triggered_by as ExecutionSummary['trigger'],
    inputs: fromJson<Record<string, unknown>>(row.inputs) ?? {},
    outputs: fromJson<Record<string, unknown>>(row.outputs),
    error: fromJson<ExecutionDocument['error']>(row.error),
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    startedAt: msToIso(row.started_at),
    finishedAt: msToIso(row.finished_at),
    durationMs: toNumber(row.duration_ms),
    ...lineageOfRow(row),
    priority: row.priority === undefined || row.priority === null ? DEFAULT_PRIORITY : Number(row.priority),
    // shown only on executions held to a limit
    ...(row.concurrency_key !== null && row.concurrency_key !== undefined ? { concurrencyKey: String(row.concurrency_key) } : {}),
  };
}

/** The `node_execution` row of a node record (`output`/`error` JSON already measured by the caller). */
export function nodeRow(
  executionId: string,
  r: NodeExecutionRecord,
  position: number | null,
  outputJson: string | null,
  errorJson: string | null,
): DbRow {
  return {
    execution_id: executionId,
    node_id: r.nodeId,
    position,
    status: r.status,
    attempts: r.attempts ?? 0,
    started_at: optIsoToMs(r.startedAt, `node ${r.nodeId} startedAt`),
    finished_at: optIsoToMs(r.finishedAt, `node ${r.nodeId} finishedAt`),
    duration_ms: r.durationMs ?? null,
    output: outputJson,
    error: errorJson,
    attempt_errors: r.attemptErrors && r.attemptErrors.length ? JSON.stringify(r.attemptErrors) : null,
    recovered_by: r.recoveredBy ?? null,
    skip_reason: r.skipReason ?? null,
    branch: r.branch ?? null,
    fallback_for: r.fallbackFor ?? null,
    reused_from: r.reusedFrom ?? null,
  };
}

/**
 * The rows of an execution cancelled before any node started: every node of its definition
 * (JSON text) `cancelled`, at its definition position. No definition (it cannot be: a queued
 * execution pins a version or keeps its definition), no rows.
 */
export function cancelledNodeRows(executionId: string, definitionJson: string | null): DbRow[] {
  const definition = fromJson<WorkflowDefinition>(definitionJson);
  if (!definition || !Array.isArray(definition.nodes)) return [];
  return neverStartedNodeRows(executionId, definition, 'cancelled');
}

/** Every node of `definition` that never started, as `status`, at its definition position (the document's order). */
export function neverStartedNodeRows(executionId: string, definition: WorkflowDefinition, status: 'cancelled' | 'skipped'): DbRow[] {
  const positions = new Map(definition.nodes.map((n, i) => [n.id, i]));
  return neverStartedRecords(definition).map((r) => nodeRow(executionId, { ...r, status }, positions.get(r.nodeId) ?? null, null, null));
}

/** A node record from its row; optional fields appear only when set, like the executor's own records. */
export function rowToNode(row: DbRow): NodeExecutionRecord {
  const rec: NodeExecutionRecord = {
    nodeId: String(row.node_id),
    status: row.status as NodeExecutionRecord['status'],
    attempts: Number(row.attempts),
    startedAt: msToIso(row.started_at),
    finishedAt: msToIso(row.finished_at),
    output: fromJson(row.output),
    error: fromJson<NodeErrorRecord>(row.error),
    recoveredBy: (row.recovered_by as string | null) ?? null,
    skipReason: (row.skip_reason as NodeExecutionRecord['skipReason']) ?? null,
    reusedFrom: (row.reused_from as string | null) ?? null,
  };
  if (row.duration_ms !== null && row.duration_ms !== undefined) rec.durationMs = Number(row.duration_ms);
  if (row.attempt_errors !== null && row.attempt_errors !== undefined)
    rec.attemptErrors = fromJson<NodeErrorRecord[]>(row.attempt_errors) ?? [];
  if (row.branch !== null && row.branch !== undefined) rec.branch = String(row.branch);
  if (row.fallback_for !== null && row.fallback_for !== undefined) rec.fallbackFor = String(row.fallback_for);
  return rec;
}

/** Definition order first (rows without a known position after), then start time, then id. */
export function sortNodeRows(rows: DbRow[]): DbRow[] {
  const key = (v: unknown) => (v === null || v === undefined ? Number.MAX_SAFE_INTEGER : Number(v));
  return rows.sort(
    (a, b) =>
      key(a.position) - key(b.position) || key(a.started_at) - key(b.started_at) || (String(a.node_id) < String(b.node_id) ? -1 : 1),
  );
}

/** Refuses a start record whose id, workflow id or idempotency key does not fit its column. */
export function assertStartRecord(r: ExecutionStartRecord): void {
  if (typeof r.id !== 'string' || !r.id || r.id.length > 36) throw new ValidationError('execution id must be 1-36 characters');
  if (typeof r.workflowId !== 'string' || !r.workflowId || r.workflowId.length > 200) {
    throw new ValidationError('workflowId must be 1-200 characters');
  }
  if (
    r.idempotencyKey !== undefined &&
    r.idempotencyKey !== null &&
    (typeof r.idempotencyKey !== 'string' || r.idempotencyKey.length > 512)
  ) {
    throw new ValidationError('idempotencyKey must be a string of at most 512 characters');
  }
}

/** The group-commit writer's key for a node's row (one pending row per node; the latest state wins). */
export const nodeRowKey = (executionId: string, nodeId: string): string => `${executionId}\u0000${nodeId}`;
