import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `workflow` row. Times are epoch milliseconds (see {@link WorkflowExecutionRow}). */
export interface WorkflowRow {
  id: string;
  name: string;
  currentVersion: number;
  /** The current version's schedule as JSON text, or null (kept here so the scheduler's start is one query). */
  schedule: string | null;
  createdAt: number;
  updatedAt: number;
  /** Set when deleted: versions stay so executions that pinned them stay readable and recoverable. */
  deletedAt: number | null;
}

/** Saved workflows. */
export const WorkflowEntity = new EntitySchema<WorkflowRow>({
  name: 'Workflow',
  tableName: 'workflow',
  properties: {
    id: { type: 'string', length: 64, primary: true },
    name: { type: 'string', length: 200 },
    currentVersion: { type: 'integer' },
    schedule: { type: 'text', nullable: true },
    createdAt: { type: new BigIntType('number') },
    updatedAt: { type: new BigIntType('number') },
    deletedAt: { type: new BigIntType('number'), nullable: true },
  },
});
