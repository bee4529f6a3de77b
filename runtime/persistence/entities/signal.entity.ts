import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `weft_signal` row: a signal kept on its execution until a `wait` node takes it (first in, first out by id). */
export interface SignalRow {
  id: string;
  executionId: string;
  name: string;
  /** JSON text of the payload. */
  payload: string | null;
  receivedAt: number;
}

export const SignalEntity = new EntitySchema<SignalRow>({
  name: 'Signal',
  tableName: 'weft_signal',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    executionId: { type: 'string', length: 36 },
    name: { type: 'string', length: 64 },
    payload: { type: 'text', nullable: true },
    receivedAt: { type: new BigIntType('number') },
  },
  indexes: [{ name: 'weft_signal_execution_id_name_id_index', properties: ['executionId', 'name', 'id'] }],
});
