import type { ExecutionDocument, ExecutionLineage, ExecutionTrigger, NodeExecutionRecord } from '../model/execution-document';

/** Options of one execution. */
export interface ExecuteOptions {
  /** Defaults to a new UUIDv7. */
  executionId?: string;
  /** Defaults to the workflow's name. */
  workflowId?: string;
  workflowVersion?: number;
  /** Merged over the workflow's `variables`. */
  inputs?: Record<string, unknown>;
  trigger?: ExecutionTrigger;
  idempotencyKey?: string | null;
  /** Aborting it cancels the execution. */
  signal?: AbortSignal;
  /**
   * Resume an execution recorded earlier: nodes in a terminal state are taken as they are
   * (not run again); the others run. The execution keeps its id and start time.
   */
  resume?: { startedAt: string; nodes: readonly NodeExecutionRecord[]; woke?: readonly string[] };
  /** Where the execution came from (a sub-workflow's parent, the execution a re-run repeats). */
  lineage?: ExecutionLineage;
  /**
   * Node records copied into a new execution (a re-run's reused nodes): recorded with the
   * execution's start and taken as they are, never run.
   */
  seed?: readonly NodeExecutionRecord[];
  /** 0–9 (default {@link DEFAULT_PRIORITY}): a freed concurrency slot, and a free worker, go to the highest first. */
  priority?: number;
}

/** An execution's priority when none is given. */
export const DEFAULT_PRIORITY = 5;

/** A started execution. */
export interface ExecutionHandle {
  executionId: string;
  /** False when the idempotency key matched an earlier execution (then nothing new runs). */
  created: boolean;
  /** Settles with the finished execution document (never rejects). */
  done: Promise<ExecutionDocument>;
  cancel(reason?: string): void;
}
