import type { CursorCodec } from '../../core/store/cursor-codec';
import { ValidationError } from '../../core/errors/weft-error';
import type { ExecutionStatus } from '../../core/model/execution-document';
import type { ExecutionListQuery } from '../../core/store/execution-store';

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

export const MAX_LIST_LIMIT = 200;

/** A list query after validation: only allowlisted values, numbers and a verified cursor id. */
export interface CheckedListQuery {
  workflowId: string;
  status: ExecutionStatus[] | null;
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
  if (typeof q.workflowId !== 'string' || q.workflowId.length === 0 || q.workflowId.length > 200) {
    throw new ValidationError('workflowId must be a non-empty string', { details: [{ path: 'workflowId', message: 'invalid' }] });
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, {
      details: [{ path: 'limit', message: `not an integer in 1..${MAX_LIST_LIMIT}` }],
    });
  }
  let status: ExecutionStatus[] | null = null;
  if (q.status !== undefined) {
    if (!Array.isArray(q.status) || q.status.length > EXECUTION_STATUSES.length) {
      throw new ValidationError('status must be a list of execution statuses', { details: [{ path: 'status', message: 'not a list' }] });
    }
    for (const s of q.status) {
      if (!EXECUTION_STATUSES.includes(s)) {
        throw new ValidationError(`unknown status "${String(s).slice(0, 50)}"; expected one of ${EXECUTION_STATUSES.join(', ')}`, {
          details: [{ path: 'status', message: 'unknown status' }],
        });
      }
    }
    status = [...new Set(q.status)].sort();
    if (!status.length) status = null;
  }
  const fromMs = q.from === undefined ? null : parseIsoDate(q.from, 'from');
  const toMs = q.to === undefined ? null : parseIsoDate(q.to, 'to');
  if (fromMs !== null && toMs !== null && fromMs > toMs) {
    throw new ValidationError('from must not be after to', { details: [{ path: 'from', message: 'after to' }] });
  }
  const scope = JSON.stringify([q.workflowId, status, fromMs, toMs]);
  const byTime = fromMs !== null || toMs !== null;
  const after = q.cursor === undefined || q.cursor === null ? null : cursors.decodePosition(q.cursor, scope);
  if (after && byTime !== (after.t !== null)) throw new ValidationError('invalid cursor: not issued for this query', { details: [{ path: 'cursor', message: 'wrong kind' }] });
  return { workflowId: q.workflowId, status, fromMs, toMs, limit: q.limit, after, byTime, scope };
}
