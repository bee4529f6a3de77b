import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `workflow_version` row: immutable once written. */
export interface WorkflowVersionRow {
  workflowId: string;
  version: number;
  /** The workflow definition as JSON text. */
  definition: string;
  createdAt: number;
}

/** One immutable definition per workflow version: an execution pins the version it ran. */
export const WorkflowVersionEntity = new EntitySchema<WorkflowVersionRow>({
  name: 'WorkflowVersion',
  tableName: 'workflow_version',
  properties: {
    workflowId: { type: 'string', length: 64, primary: true },
    version: { type: 'integer', primary: true },
    definition: { type: 'text' },
    createdAt: { type: new BigIntType('number') },
  },
});
