import type { SerializedError } from '../errors/error-serializer';

export type ExecutionStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled' | 'skipped';

export type NodeStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export type ExecutionTrigger = 'manual' | 'api' | 'schedule' | 'webhook' | 'rerun' | 'workflow';

/** Every trigger, in the order DESIGN.md lists them. */
export const EXECUTION_TRIGGERS: readonly ExecutionTrigger[] = ['manual', 'api', 'schedule', 'webhook', 'rerun', 'workflow'];

export type SkipReason = 'branch_not_taken' | 'upstream_failed';

export const TERMINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'skipped',
];

/** A node's error as recorded: the serialised error plus attempt and the resolved input. */
export interface NodeErrorRecord extends SerializedError {
  attempt?: number;
  input?: unknown;
}

/** One node's entry in the execution document (and one `NodeExecution` row). */
export interface NodeExecutionRecord {
  nodeId: string;
  status: NodeStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs?: number | null;
  output: unknown;
  error: NodeErrorRecord | null;
  /** Errors of earlier attempts, oldest first (the last one is `error`). */
  attemptErrors?: NodeErrorRecord[];
  recoveredBy: string | null;
  skipReason: SkipReason | null;
  /** For branching nodes: the branch taken. */
  branch?: string | null;
  /** Set on a fallback node's own entry: the node it stood in for. */
  fallbackFor?: string | null;
  /** Set when a re-run copied the node instead of running it: the execution that produced its output. */
  reusedFrom?: string | null;
}

/** The execution document of DESIGN.md: `GET /executions/:id`, `execute` with `wait`, `weft run --json`. */
export interface ExecutionDocument {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: (SerializedError & { reason?: string }) | null;
  idempotencyKey?: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** A sub-workflow's (or map item's) child: the execution and node that started it (null otherwise). */
  parentExecutionId: string | null;
  parentNodeId: string | null;
  /** A map child's item index (null otherwise). */
  itemIndex: number | null;
  /** The execution this one re-runs (null otherwise). */
  rerunOf: string | null;
  /** 0–9 (default 5; stores that keep it). */
  priority?: number;
  /** The rendered `settings.concurrency.key` ('' for a limit without a key); only on executions held to a limit. */
  concurrencyKey?: string;
  nodes: NodeExecutionRecord[];
}

/** Where an execution came from, as the document carries it (null when unset). */
export type ExecutionLineageFields = Pick<ExecutionDocument, 'parentExecutionId' | 'parentNodeId' | 'itemIndex' | 'rerunOf'>;

/** Where an execution came from; every field optional when recording one. */
export type ExecutionLineage = Partial<ExecutionLineageFields>;

/** An execution without its nodes (list queries). */
export type ExecutionSummary = Omit<ExecutionDocument, 'nodes'>;
