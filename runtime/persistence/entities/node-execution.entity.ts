import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `node_execution` row; one per (execution, node), upserted as the node starts and finishes. */
export interface NodeExecutionRow {
  executionId: string;
  nodeId: string;
  /** The node's index in the definition, so documents list nodes in definition order. */
  position: number | null;
  status: string;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  /** JSON text; null when the node produced none. */
  output: string | null;
  /** JSON text: serialised error with `attempt` and the resolved `input` snapshot. */
  error: string | null;
  /** JSON text: errors of earlier attempts, oldest first. */
  attemptErrors: string | null;
  recoveredBy: string | null;
  skipReason: string | null;
  branch: string | null;
  fallbackFor: string | null;
  /** Set when a re-run copied the node instead of running it: the execution that produced the output. */
  reusedFrom: string | null;
}

/**
 * Node executions. No foreign key to `workflow_execution`: a node write never waits on or
 * fails because of the execution row, and pruning deletes both explicitly (batched).
 */
export const NodeExecutionEntity = new EntitySchema<NodeExecutionRow>({
  name: 'NodeExecution',
  tableName: 'node_execution',
  properties: {
    executionId: { type: 'string', length: 36, primary: true },
    nodeId: { type: 'string', length: 200, primary: true },
    position: { type: 'integer', nullable: true },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    startedAt: { type: new BigIntType('number'), nullable: true },
    finishedAt: { type: new BigIntType('number'), nullable: true },
    durationMs: { type: new BigIntType('number'), nullable: true },
    output: { type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
    attemptErrors: { type: 'text', nullable: true },
    recoveredBy: { type: 'string', length: 200, nullable: true },
    skipReason: { type: 'string', length: 32, nullable: true },
    branch: { type: 'string', length: 200, nullable: true },
    fallbackFor: { type: 'string', length: 200, nullable: true },
    reusedFrom: { type: 'string', length: 36, nullable: true },
  },
});
