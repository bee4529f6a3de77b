import { NodeExecutionError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { ExecutionDocument } from '../model/execution-document';

/** A child execution to start for a node of a running (parent) execution. */
export interface ChildExecutionRequest {
  parentExecutionId: string;
  parentNodeId: string;
  /** The parent node's attempt: a retried node starts a new child, a resumed one re-attaches to its attempt's child. */
  attempt: number;
  /** A map child's item index (sets `itemIndex` and keeps each item's child apart). */
  itemIndex?: number;
  /** An inline map item's own attempt (`attempt` is then the map node's): a retried item starts a new child. */
  itemAttempt?: number;
  workflowId: string;
  /** A version number, or `latest` (default): the version current when the child starts. */
  version?: number | 'latest';
  inputs: Record<string, unknown>;
  /** Aborting it cancels the child wherever it runs. */
  signal: AbortSignal;
}

/** A started (or re-attached) child execution. */
export interface ChildExecutionHandle {
  executionId: string;
  /** False when this parent node's attempt had already started the child (a resumed parent re-attaches). */
  created: boolean;
  /** Settles with the child's finished document (cancelled when the signal aborted first); read it to hold on until then. */
  readonly done: Promise<ExecutionDocument>;
  /**
   * For a node that parks instead of holding on: settles with the child's finished document, or
   * with null once the child waits (it parked) or when it runs in another process (a queue
   * worker) — the node then parks on the child's end. Nothing of the child stays watched here.
   */
  endedOrParked(): Promise<ExecutionDocument | null>;
  /** The child's finished document if it has ended, else null, as the store has it now (nothing is awaited). */
  ended(): Promise<ExecutionDocument | null>;
  /** Cancels the child wherever it runs (a node that timed out while it ran), saying `why`. */
  cancel(why: string): void;
}

/**
 * Starts child executions (trigger `workflow`, with `parentExecutionId`/`parentNodeId`) and awaits
 * their end, in whichever process runs them: the `workflow` node type and `map`'s workflow mode use
 * it. `start` rejects with a NodeExecutionError: `WF_DEPTH_EXCEEDED` when the child would be deeper
 * than the configured limit (nothing is started), `WF_NOT_FOUND` for an unknown workflow or version,
 * `WF_CHILD_UNAVAILABLE` where there is no workflow store (`weft run` without `--db`).
 * Children are never held back by a concurrency limit (a self-call would deadlock).
 */
export interface ChildExecutions {
  start(request: ChildExecutionRequest): Promise<ChildExecutionHandle>;
}

/**
 * The kernel's default where nothing binds a real one (an embedder's kernel, `weft run` without a
 * store): every start fails with `WF_CHILD_UNAVAILABLE`.
 */
export class UnavailableChildExecutions implements ChildExecutions {
  async start(): Promise<ChildExecutionHandle> {
    throw new NodeExecutionError('child executions need a workflow store: this weft has none (run it with a database)', {
      code: ErrorCodes.WF_CHILD_UNAVAILABLE,
    });
  }
}
