/** The public API's shapes the console reads (see DESIGN.md, "The execution document"). */

export type Role = 'viewer' | 'operator' | 'admin';

export type ExecutionStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled' | 'skipped';
export type NodeStatus = 'pending' | 'running' | 'waiting' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export const EXECUTION_STATUSES: ExecutionStatus[] = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'skipped',
];
export const TRIGGERS = ['manual', 'api', 'schedule', 'webhook', 'rerun', 'workflow'];
const TERMINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled', 'skipped']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

export interface ErrorRecord {
  type?: string;
  code?: string;
  message: string;
  stack?: string;
  retryable?: boolean;
  attempt?: number;
  input?: unknown;
  [key: string]: unknown;
}

export interface NodeExecution {
  nodeId: string;
  status: NodeStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs?: number | null;
  output?: unknown;
  error: ErrorRecord | null;
  attemptErrors?: ErrorRecord[];
  recoveredBy: string | null;
  skipReason: string | null;
  reusedFrom?: string | null;
  fallbackFor?: string | null;
  branch?: string | null;
  /** A map node's items so far, from its live `running` events. */
  progress?: NodeProgress;
  [key: string]: unknown;
}

export interface NodeProgress {
  done: number;
  failed: number;
  total: number;
}

export interface ExecutionSummary {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: ExecutionStatus;
  trigger: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: ErrorRecord | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  createdAt?: string;
  parentExecutionId?: string | null;
  parentNodeId?: string | null;
  itemIndex?: number | null;
  rerunOf?: string | null;
  /** 0–9 (default 5; stores that keep it). */
  priority?: number;
  /** The rendered `settings.concurrency.key` ('' for a limit without a key); only on executions held to a limit. */
  concurrencyKey?: string;
}

export interface ExecutionDocument extends ExecutionSummary {
  nodes: NodeExecution[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface WorkflowNode {
  id: string;
  type: string;
  fallback?: string;
  description?: string;
  [key: string]: unknown;
}

export interface WorkflowDefinition {
  name: string;
  nodes: WorkflowNode[];
  edges?: Array<{ from: string; to: string; branch?: string }>;
  schedule?: unknown;
  triggers?: unknown;
  [key: string]: unknown;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  version: number;
  schedule: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowRecord extends WorkflowSummary {
  definition: WorkflowDefinition;
}

export interface ScheduleInfo {
  schedule: unknown;
  nextFireTimes: string[];
}

/** What the event stream sends after its `snapshot`. */
export interface NodeEvent {
  kind: 'node';
  seq: number;
  at: string;
  nodeId: string;
  status: NodeStatus;
  attempt: number;
  skipReason?: string | null;
  error?: ErrorRecord | null;
  recoveredBy?: string | null;
  durationMs?: number;
  progress?: NodeProgress;
}

export interface ExecutionEvent {
  kind: 'execution';
  seq: number;
  at: string;
  status: ExecutionStatus;
  error?: ErrorRecord | null;
}
