import { EntitySchema } from '@mikro-orm/core';

/** A `map_item` row: one finished (or parked) item of a `map` node. */
export interface MapItemRow {
  executionId: string;
  nodeId: string;
  itemIndex: number;
  /** `succeeded`, `failed`, or `parked` (an inline item parked on its child: its state in `output`). */
  status: string;
  /** JSON text of the item's output (null when it failed; a parked item's state). */
  output: string | null;
  /** JSON text of the item's last error (null when it succeeded). */
  error: string | null;
}

/**
 * Finished items of map nodes. Like node executions, no foreign key: an item write never waits
 * on the execution row, and pruning deletes both explicitly.
 */
export const MapItemEntity = new EntitySchema<MapItemRow>({
  name: 'MapItem',
  tableName: 'map_item',
  properties: {
    executionId: { type: 'string', length: 36, primary: true },
    nodeId: { type: 'string', length: 200, primary: true },
    itemIndex: { type: 'integer', primary: true },
    status: { type: 'string', length: 16 },
    output: { type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
  },
});
