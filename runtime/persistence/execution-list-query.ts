import type { CursorCodec } from '../../core/store/cursor-codec';
import { ValidationError } from '../../core/errors/weft-error';
import type { ExecutionStatus, ExecutionTrigger } from '../../core/model/execution-document';
import type { ExecutionListQuery } from '../../core/store/execution-store';
import type { Knex } from '@mikro-orm/knex';
import type { ExecutionPage } from '../../core/store/execution-store';
import { rowToSummary, SUMMARY_COLUMNS } from './execution-row-mapper';

/** Every execution status (the allowlist filters are checked against). */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'skipped',
];

/** Every trigger DESIGN.md names (the allowlist the trigger filter is checked against). */
export const EXECUTION_TRIGGERS: readonly ExecutionTrigger[] = [
  'manual',
  'api',
  'schedule',
  'webhook',
  'rerun',
  'workflow',
] as ExecutionTrigger[];

export const MAX_LIST_LIMIT = 200;

/** A list query after validation: only allowlisted values, numbers and a verified cursor id. */
export interface CheckedListQuery {
  /** null: every workflow's executions. */
  workflowId: string | null;
  status: ExecutionStatus[] | null;
  trigger: ExecutionTrigger[] | null;
  fromMs: number | null;
  toMs: number | null;
  limit: number;
  /**
   * Keyset position from the cursor: rows strictly after it in list order. Without a date filter
   * the order is `id desc` (UUIDv7 ids are time-ordered); with one it is `started_at desc, id desc`
   * so the `(workflow_id, started_at, id)` index serves both the range and the order (ordering a
   * date range by id alone makes the planner walk the id index from the newest row to the range).
   */
  after: { id: string; t: number | null } | null;
  /** Whether the list is ordered by start time (a from/to filter is present). */
  byTime: boolean;
  /** What the cursor is bound to: the workflow and filters. */
  scope: string;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Parses a strict ISO 8601 date or date-time (a time needs `Z` or an offset); ValidationError otherwise. */
export function parseIsoDate(value: unknown, field: string): number {
  const m = typeof value === 'string' && value.length <= 40 ? ISO.exec(value) : null;
  const ms = m ? Date.parse(value as string) : NaN;
  // Date.parse rolls 2020-02-31 over to March: check the calendar date survived
  const d = new Date(Date.UTC(Number(m?.[1]), Number(m?.[2]) - 1, Number(m?.[3])));
  if (!m || !Number.isFinite(ms) || d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) {
    throw new ValidationError(`${field} must be an ISO 8601 date or date-time with offset (e.g. 2026-01-31T12:00:00Z)`, {
      details: [{ path: field, message: 'not an ISO 8601 date' }],
    });
  }
  return ms;
}

/** Validates a list query against allowlists (status enum, ISO dates, limit 1..200, signed cursor). */
export function checkListQuery(q: ExecutionListQuery, cursors: CursorCodec): CheckedListQuery {
  if (q.workflowId !== undefined && (typeof q.workflowId !== 'string' || q.workflowId.length === 0 || q.workflowId.length > 200)) {
    throw new ValidationError('workflowId must be a non-empty string', { details: [{ path: 'workflowId', message: 'invalid' }] });
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, {
      details: [{ path: 'limit', message: `not an integer in 1..${MAX_LIST_LIMIT}` }],
    });
  }
  const status = checkedList(q.status, EXECUTION_STATUSES, 'status');
  const trigger = checkedList(q.trigger, EXECUTION_TRIGGERS, 'trigger');
  const fromMs = q.from === undefined ? null : parseIsoDate(q.from, 'from');
  const toMs = q.to === undefined ? null : parseIsoDate(q.to, 'to');
  if (fromMs !== null && toMs !== null && fromMs > toMs) {
    throw new ValidationError('from must not be after to', { details: [{ path: 'from', message: 'after to' }] });
  }
  const workflowId = q.workflowId ?? null;
  // a cursor is bound to its filters; the trigger joins the scope only when given, so cursors
  // issued before the filter existed stay valid
  const scope = JSON.stringify(trigger ? [workflowId, status, fromMs, toMs, trigger] : [workflowId, status, fromMs, toMs]);
  const byTime = fromMs !== null || toMs !== null;
  const after = q.cursor === undefined || q.cursor === null ? null : cursors.decodePosition(q.cursor, scope);
  if (after && byTime !== (after.t !== null))
    throw new ValidationError('invalid cursor: not issued for this query', { details: [{ path: 'cursor', message: 'wrong kind' }] });
  return { workflowId, status, trigger, fromMs, toMs, limit: q.limit, after, byTime, scope };
}

/** A filter list checked against its allowlist, deduplicated and sorted (null when absent or empty). */
function checkedList<T extends string>(values: T[] | undefined, allowed: readonly T[], field: string): T[] | null {
  if (values === undefined) return null;
  if (!Array.isArray(values) || values.length > allowed.length) {
    throw new ValidationError(`${field} must be a list of: ${allowed.join(', ')}`, { details: [{ path: field, message: 'not a list' }] });
  }
  for (const v of values) {
    if (!allowed.includes(v)) {
      throw new ValidationError(`unknown ${field} "${String(v).slice(0, 50)}"; expected one of ${allowed.join(', ')}`, {
        details: [{ path: field, message: `unknown ${field}` }],
      });
    }
  }
  const out = [...new Set(values)].sort();
  return out.length ? out : null;
}

/** One page of a checked list query: keyset pagination over the listing indexes. */
export async function queryExecutionPage(knex: Knex, q: CheckedListQuery, cursors: CursorCodec): Promise<ExecutionPage> {
  const qb = knex('workflow_execution').select(SUMMARY_COLUMNS);
  if (q.workflowId !== null) qb.where('workflow_id', q.workflowId);
  if (q.status) qb.whereIn('status', q.status);
  if (q.trigger) qb.whereIn('triggered_by', q.trigger);
  if (q.fromMs !== null) qb.where('started_at', '>=', q.fromMs);
  if (q.toMs !== null) qb.where('started_at', '<', q.toMs);
  if (q.byTime) {
    // row-value comparison: both dialects can seek the (workflow_id, started_at, id) index with it
    if (q.after) qb.whereRaw('(started_at, id) < (?, ?)', [q.after.t!, q.after.id]);
    qb.orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
  } else {
    if (q.after) qb.where('id', '<', q.after.id);
    qb.orderBy('id', 'desc');
  }
  const rows = await qb.limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(rowToSummary);
  const last = rows[q.limit - 1];
  const nextCursor =
    rows.length > q.limit ? cursors.encode(String(last.id), q.scope, q.byTime ? Number(last.started_at) : undefined) : null;
  return { items, nextCursor };
}
