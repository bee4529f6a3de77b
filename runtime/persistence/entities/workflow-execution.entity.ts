import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * A `workflow_execution` row. Payloads (inputs, outputs, error, definition) are JSON text in both
 * dialects: text round-trips every JSON value exactly (PostgreSQL's jsonb rejects `\u0000` and
 * reorders keys) and is parsed once, by us. Times are epoch milliseconds (bigint): one
 * representation for both dialects, exact to the millisecond like the ISO strings of the document.
 */
export interface WorkflowExecutionRow {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: string;
  triggeredBy: string;
  inputs: string;
  outputs: string | null;
  error: string | null;
  idempotencyKey: string | null;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  /** The process that runs it (`host:pid:random`); recovery takes over only stale owners. */
  owner: string | null;
  heartbeatAt: number | null;
  /** Raised by every takeover; the running process's writes are conditional on the epoch it took. */
  claimEpoch: number;
  /** The definition, kept only when no `workflow_version` row holds it (ad-hoc runs), for recovery. */
  definition: string | null;
  /** When someone asked to cancel it (epoch ms); the owner polls for these and cancels the run. */
  cancelRequestedAt: number | null;
  cancelReason: string | null;
  /** A sub-workflow's (or map item's) child: the execution and node that started it. */
  parentExecutionId: string | null;
  parentNodeId: string | null;
  /** A map child's item index. */
  itemIndex: number | null;
  /** The execution a re-run repeats. */
  rerunOf: string | null;
  /** 0–9, default 5: a freed concurrency slot (and a free worker) goes to the highest first. */
  priority: number;
  /** Set only on executions held to `settings.concurrency`: the rendered key ('' without one) and the limit. */
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  /** When a limited execution was given a slot (epoch ms); it holds the slot until it ends. */
  admittedAt: number | null;
  /** The last event number of a parked execution (its resume numbers on from there). */
  eventSeq: number | null;
}

/** Cancel requests still to act on: running executions with a request, looked up by owner. */
export const CANCEL_REQUESTED_INDEX = 'workflow_execution_cancel_requested_index';

/** Child executions of a parent, oldest first (partial: only children are in it). */
export const CHILDREN_INDEX = 'workflow_execution_parent_execution_id_id_index';

/** Slot holders and the queue of one workflow and key (partial: only limited executions are in it). */
export const CONCURRENCY_INDEX = 'workflow_execution_concurrency_index';

/** Executions. Indexes serve keyset listing, filters, recovery, pruning and idempotency at 1M rows. */
export const WorkflowExecutionEntity = new EntitySchema<WorkflowExecutionRow>({
  name: 'WorkflowExecution',
  tableName: 'workflow_execution',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    workflowId: { type: 'string', length: 200 },
    workflowVersion: { type: 'integer' },
    status: { type: 'string', length: 32 },
    triggeredBy: { type: 'string', length: 16 },
    inputs: { type: 'text' },
    outputs: { type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
    idempotencyKey: { type: 'string', length: 512, nullable: true },
    startedAt: { type: new BigIntType('number') },
    finishedAt: { type: new BigIntType('number'), nullable: true },
    durationMs: { type: new BigIntType('number'), nullable: true },
    owner: { type: 'string', length: 128, nullable: true },
    heartbeatAt: { type: new BigIntType('number'), nullable: true },
    claimEpoch: { type: 'integer', default: 0 },
    definition: { type: 'text', nullable: true },
    cancelRequestedAt: { type: new BigIntType('number'), nullable: true },
    cancelReason: { type: 'string', length: 500, nullable: true },
    parentExecutionId: { type: 'string', length: 36, nullable: true },
    parentNodeId: { type: 'string', length: 200, nullable: true },
    itemIndex: { type: 'integer', nullable: true },
    rerunOf: { type: 'string', length: 36, nullable: true },
    priority: { type: 'integer', default: 5 },
    concurrencyKey: { type: 'string', length: 500, nullable: true },
    concurrencyLimit: { type: 'integer', nullable: true },
    admittedAt: { type: new BigIntType('number'), nullable: true },
    eventSeq: { type: 'integer', nullable: true },
  },
  indexes: [
    { name: 'workflow_execution_workflow_id_id_index', properties: ['workflowId', 'id'] },
    { name: 'workflow_execution_workflow_id_status_id_index', properties: ['workflowId', 'status', 'id'] },
    { name: 'workflow_execution_workflow_id_started_at_id_index', properties: ['workflowId', 'startedAt', 'id'] },
    { name: 'workflow_execution_status_index', properties: ['status'] },
    { name: 'workflow_execution_started_at_index', properties: ['startedAt'] },
    // partial (a custom expression: the schema diff compares it by name); unquoted names suit both dialects
    {
      name: CANCEL_REQUESTED_INDEX,
      expression: `create index ${CANCEL_REQUESTED_INDEX} on workflow_execution (owner) where cancel_requested_at is not null and status = 'running'`,
    },
    {
      name: CHILDREN_INDEX,
      expression: `create index ${CHILDREN_INDEX} on workflow_execution (parent_execution_id, id) where parent_execution_id is not null`,
    },
    {
      name: CONCURRENCY_INDEX,
      expression: `create index ${CONCURRENCY_INDEX} on workflow_execution (workflow_id, concurrency_key, status, priority, id) where concurrency_key is not null`,
    },
  ],
  uniques: [{ name: 'workflow_execution_workflow_id_idempotency_key_unique', properties: ['workflowId', 'idempotencyKey'] }],
});
