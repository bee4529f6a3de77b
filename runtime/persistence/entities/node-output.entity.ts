import { EntitySchema } from '@mikro-orm/core';

/** A `node_output` row: one node's output JSON kept apart from its node row (above `WEFT_INLINE_OUTPUT_BYTES`). */
export interface NodeOutputRow {
  executionId: string;
  nodeId: string;
  /** UTF-8 length of `json` (what the output route answers). */
  bytes: number;
  json: string;
}

/** Large node outputs; pruned with their executions, copied into a re-run that reuses the node. */
export const NodeOutputEntity = new EntitySchema<NodeOutputRow>({
  name: 'NodeOutput',
  tableName: 'node_output',
  properties: {
    executionId: { type: 'string', length: 36, primary: true },
    nodeId: { type: 'string', length: 200, primary: true },
    bytes: { type: 'integer' },
    json: { type: 'text' },
  },
});
