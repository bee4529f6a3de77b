import type { SerializedError } from '../errors/error-serializer';

export type ExecutionStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'partially_succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped';

export type NodeStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export type ExecutionTrigger = 'manual' | 'api' | 'schedule';

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
  nodes: NodeExecutionRecord[];
}

/** An execution without its nodes (list queries). */
export type ExecutionSummary = Omit<ExecutionDocument, 'nodes'>;
