import type { Knex } from '@mikro-orm/knex';
import { CancelledError, ConflictError, NotFoundError } from '../../core/errors/weft-error';
import { serializeError } from '../../core/errors/error-serializer';
import type { CancelRequestOutcome } from '../../core/store/execution-store';
import { cancelledNodeRows } from './execution-row-mapper';
import type { ExecutionClaims } from './execution-claims';
import { isStale } from './execution-owner';
import { requestCancelOp, takeOverOp } from './execution-sql';
import type { GroupCommitWriter } from './group-commit-writer';

export interface TakeoverDeps {
  knex: Knex;
  writer: GroupCommitWriter;
  claims: ExecutionClaims;
  owner: string;
  nowMs: number;
  staleAfterMs: number;
}

/**
 * Takes an execution over for this process before it resumes, and answers its row (workflow,
 * version, kept definition, last event number). Refused with a ConflictError while another live process owns it
 * (fresh heartbeat), so a recovery sweep and a queue failover can never both resume one
 * execution, and for a cancelled or parked one. A no-op for an execution this process has just
 * claimed (its epoch already held).
 */
export async function takeOverToResume(d: TakeoverDeps, executionId: string): Promise<Record<string, any>> {
  const row = await d
    .knex('workflow_execution')
    .where({ id: executionId })
    .first('status', 'owner', 'heartbeat_at', 'claim_epoch', 'workflow_id', 'workflow_version', 'definition', 'event_seq');
  if (!row) throw new NotFoundError(`execution ${String(executionId).slice(0, 40)} not found`);
  // cancelled while it waited in the queue (or by its owner): a worker that claims it must not run it
  if (row.status === 'cancelled') throw new ConflictError(`execution ${executionId} was cancelled`);
  // parked: only the process that wakes it (a conditional update) may run it again
  if (row.status === 'waiting') throw new ConflictError(`execution ${executionId} is waiting`);
  const owner = (row.owner as string | null) ?? null;
  const claimed = owner === d.owner && row.status === 'running' && d.claims.epochOf(executionId) === Number(row.claim_epoch);
  if (claimed) return row;
  if (
    row.status === 'running' &&
    owner !== null &&
    owner !== d.owner &&
    !isStale({ owner, heartbeat_at: row.heartbeat_at }, d.owner, d.nowMs - d.staleAfterMs)
  ) {
    throw new ConflictError(`execution ${executionId} is running in another live process (${owner})`);
  }
  const heartbeat = row.heartbeat_at === null ? null : Number(row.heartbeat_at);
  const epoch = await d.writer.run(takeOverOp(executionId, d.owner, d.nowMs, { status: row.status, owner, heartbeat_at: heartbeat }));
  if (epoch === null) throw new ConflictError(`execution ${executionId} was taken over by another process`);
  d.claims.hold(executionId, epoch);
  return row;
}

/**
 * Takes an unfinished execution over whoever owns it now (a queue worker's claim on its job) and
 * answers the new claim epoch. A ConflictError when it ended meanwhile, a NotFoundError when there is none.
 */
export async function claimToRun(
  knex: Knex,
  writer: GroupCommitWriter,
  owner: string,
  nowMs: number,
  executionId: string,
): Promise<number> {
  const epoch = await writer.run(takeOverOp(executionId, owner, nowMs, {}, true));
  if (epoch !== null) return epoch;
  const row = await knex('workflow_execution').where({ id: executionId }).first('status');
  if (!row) throw new NotFoundError(`execution ${String(executionId).slice(0, 40)} not found`);
  throw new ConflictError(`execution ${executionId} already ended (${String(row.status)})`);
}

/** Records a cancel request (see {@link ExecutionStore.requestCancel}): 404 for an unknown execution, 409 for a finished one. */
export async function requestCancel(
  writer: GroupCommitWriter,
  executionId: string,
  reason: string,
  nowMs: number,
): Promise<CancelRequestOutcome> {
  const shown = `"${String(executionId).slice(0, 40)}"`;
  // PostgreSQL refuses NUL in text parameters: such an id cannot exist, so it is not found rather than a driver error
  if (typeof executionId !== 'string' || !executionId || executionId.length > 36 || executionId.includes('\u0000'))
    throw new NotFoundError(`execution ${shown} not found`);
  const why = typeof reason === 'string' && reason ? reason.slice(0, 500) : 'cancelled by request';
  const error = JSON.stringify(serializeError(new CancelledError(why), false));
  const r = await writer.run(requestCancelOp(executionId, why, error, nowMs, (definition) => cancelledNodeRows(executionId, definition)));
  if (r.kind === 'missing') throw new NotFoundError(`execution ${shown} not found`);
  if (r.kind === 'finished') throw new ConflictError(`execution ${shown} already finished (${r.status})`);
  return r.kind;
}
