import type { NodeExecutionRecord } from '../../core/model/execution-document';
import { isNodeOutputRef, nodeOutputRef, refExecutionId, type NodeOutputRef } from '../../core/model/node-output-ref';
import { assertOutputSize } from './output-size';
import { outputJsonOf } from '../../core/executor/node-records';

/** The key a node row carries (beside its columns) when its output goes to `node_output`; see {@link keptOutputSteps}. */
export const KEPT = '$kept';

/** What goes to `node_output` with a node row: the JSON itself, or a copy of another execution's row (a re-run's reused node). */
export type KeptOutput = { bytes: number; json: string } | { copyFrom: string };

type DbRow = Record<string, unknown>;

/**
 * Decides, per node row, whether its output travels inline or is kept in `node_output`, and
 * remembers the outputs it just kept until the executor asks ({@link take}) so that it can drop
 * them from memory. Sizes are the UTF-8 length of the output's JSON.
 */
export class NodeOutputKeeper {
  private readonly fresh = new Map<string, number>();

  constructor(
    private readonly maxBytes: number,
    private readonly inlineBytes: number,
  ) {}

  /** The node row `make` builds, given the inline JSON (null when the output is kept apart). */
  row(executionId: string, record: NodeExecutionRecord, make: (outputJson: string | null) => DbRow): DbRow {
    if (record.reusedFrom && isNodeOutputRef(record.output)) {
      // a re-run's copy: the rows are copied inside the database, the output never comes into memory
      return { ...make(null), [KEPT]: { copyFrom: refExecutionId(record.output) } satisfies KeptOutput };
    }
    // the JSON the executor measured when the node ended, when it has it (no second serialisation)
    const json = assertOutputSize(record.nodeId, record.output, this.maxBytes, outputJsonOf(record));
    // a UTF-16 unit is at most 3 UTF-8 bytes: only near the size is the exact count needed
    if (json === null || json.length * 3 <= this.inlineBytes) return make(json);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes <= this.inlineBytes) return make(json);
    this.fresh.set(key(executionId, record.nodeId), bytes);
    return { ...make(null), [KEPT]: { bytes, json } satisfies KeptOutput };
  }

  /** The reference of an output {@link row} just kept apart (once). */
  take(executionId: string, nodeId: string): NodeOutputRef | null {
    const k = key(executionId, nodeId);
    const bytes = this.fresh.get(k);
    if (bytes === undefined) return null;
    this.fresh.delete(k);
    return nodeOutputRef(executionId, nodeId, bytes);
  }

  /** Forgets what nobody took for an execution that no longer runs here. */
  forget(executionId: string): void {
    if (this.fresh.size === 0) return;
    const prefix = key(executionId, '');
    for (const k of this.fresh.keys()) if (k.startsWith(prefix)) this.fresh.delete(k);
  }
}

function key(executionId: string, nodeId: string): string {
  return `${executionId}\u0000${nodeId}`;
}
