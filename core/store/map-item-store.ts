import type { NodeErrorRecord } from '../model/execution-document';

/**
 * One item of a fan-out node (`map`), as recorded: finished, or `parked` on a child with state a
 * later run of the node goes on from (the item's attempt, its deadline) in `parked`.
 */
export interface MapItemRecord {
  index: number;
  status: 'succeeded' | 'failed' | 'parked';
  /** The item's output (null when it failed or parked). */
  output: unknown;
  /** The item's last error (null when it succeeded or parked). */
  error: NodeErrorRecord | null;
  /** A parked item's state (only with status `parked`). */
  parked?: ParkedItemState;
}

/**
 * Where an item parked on a child goes on when its node runs again: the node's attempt it parked
 * in (a retried node starts its items afresh), the item's own attempt, the errors of the item's
 * attempts before it, and that attempt's own deadline (null: none of its own).
 */
export interface ParkedItemState {
  holderAttempt: number;
  attempt: number;
  attemptErrors: NodeErrorRecord[];
  deadlineAt: number | null;
}

/**
 * Durable per-item records of fan-out nodes, keyed by execution, node and item index, so a
 * resumed execution runs again only the items that were in flight. Records go with their
 * execution (retention deletes them together).
 */
export interface MapItemStore {
  /** Records an item (a finished one replaces its parked record); durable when the promise resolves. Stores batch these writes. */
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
