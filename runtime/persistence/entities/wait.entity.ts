import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `weft_wait` row: what one parked node waits for, or (kind `deadline`, no node) a waiting execution's workflow deadline. */
export interface WaitRow {
  id: string;
  executionId: string;
  nodeId: string | null;
  /** `timer`, `signal`, `child` or `deadline`. */
  kind: string;
  /** Epoch ms when it is due (a timer, a signal's timeout, a deadline); null: a signal without timeout. */
  dueAt: number | null;
  signalName: string | null;
  /** Kind `child`: the child execution whose end the node waits for. */
  childExecutionId: string | null;
  /** Kind `child`: its node attempt's deadline (epoch ms; null: none), kept when the child's end makes the row due. */
  deadlineAt: number | null;
  createdAt: number;
}

export const WAIT_DUE_INDEX = 'weft_wait_due_at_index';
export const WAIT_CHILD_INDEX = 'weft_wait_child_execution_id_index';

/** Durable waits; the timer pollers of every process read the partial due-time index. */
export const WaitEntity = new EntitySchema<WaitRow>({
  name: 'Wait',
  tableName: 'weft_wait',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    executionId: { type: 'string', length: 36 },
    nodeId: { type: 'string', length: 200, nullable: true },
    kind: { type: 'string', length: 16 },
    dueAt: { type: new BigIntType('number'), nullable: true },
    signalName: { type: 'string', length: 64, nullable: true },
    childExecutionId: { type: 'string', length: 36, nullable: true },
    deadlineAt: { type: new BigIntType('number'), nullable: true },
    createdAt: { type: new BigIntType('number') },
  },
  indexes: [
    { name: 'weft_wait_execution_id_signal_name_index', properties: ['executionId', 'signalName'] },
    { name: WAIT_DUE_INDEX, expression: `create index ${WAIT_DUE_INDEX} on weft_wait (due_at) where due_at is not null` },
    {
      name: WAIT_CHILD_INDEX,
      expression: `create index ${WAIT_CHILD_INDEX} on weft_wait (child_execution_id) where child_execution_id is not null`,
    },
  ],
});
