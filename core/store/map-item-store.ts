import type { NodeErrorRecord } from '../model/execution-document';

/** One finished item of a fan-out node (`map`), as recorded. */
export interface MapItemRecord {
  index: number;
  status: 'succeeded' | 'failed';
  /** The item's output (null when it failed). */
  output: unknown;
  /** The item's last error (null when it succeeded). */
  error: NodeErrorRecord | null;
}

/**
 * Durable per-item records of fan-out nodes, keyed by execution, node and item index, so a
 * resumed execution runs again only the items that were in flight. Records go with their
 * execution (retention deletes them together).
 */
export interface MapItemStore {
  /** Records a finished item; durable when the promise resolves. Stores batch these writes. */
  record(executionId: string, nodeId: string, item: MapItemRecord): Promise<void>;
  /** The items an earlier run of the node recorded (any order). */
  list(executionId: string, nodeId: string): Promise<MapItemRecord[]>;
}

/**
 * The item store of runs without a database: it keeps nothing, since nothing of such a run
 * outlives its process and so nothing could resume from the records.
 */
export class UnrecordedMapItemStore implements MapItemStore {
  private static readonly done = Promise.resolve();

  record(): Promise<void> {
    return UnrecordedMapItemStore.done;
  }

  async list(): Promise<MapItemRecord[]> {
    return [];
  }
}
