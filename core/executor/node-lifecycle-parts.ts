import type { ExecutionPlan, PlannedNode } from '../dag/execution-plan';
import type { NodeExecutionRecord } from '../model/execution-document';
import type { ExecutionContext } from '../context/execution-context';
import type { SerializedError } from '../errors/error-serializer';
import type { WaitSpec } from '../plugin/park-request';
import type { ExecutionSecrets } from '../secrets/execution-secrets';
import type { AbortFanout } from './abort-fanout';
import type { ExecutionEventPublisher } from './execution-event-publisher';
import type { ExecutionRunDeps, StopKind } from './execution-run-init';
import type { RunContextHost } from './run-context';
import type { WriteTracker } from './write-tracker';

/**
 * How a node ended, for scheduling and the failure policy. A node its fallback recovered ends
 * `succeeded`. `interrupted`: the execution is shutting down and the node is left unrecorded, so
 * a resume runs it again. `waiting`: the node parked (its record and what it waits for are
 * durable); it frees its slot without completing, and a later run of the execution takes the
 * result its waker records.
 */
export type NodeEnd =
  | { kind: 'succeeded'; branch: string | null }
  | { kind: 'failed'; error: SerializedError; record: NodeExecutionRecord; resumed: boolean }
  | { kind: 'cancelled' }
  | { kind: 'interrupted' }
  | { kind: 'waiting'; wait: WaitSpec | null };

/** What one node's lifecycle needs from its execution. */
export interface NodeLifecycleHost {
  readonly stopKind: StopKind | null;
  /** True when no node can start after this one ends (its record then rides in the final commit). */
  isLastToRun(index: number): boolean;
  /** Called synchronously once the node's record is stored (or held), before anything else runs. */
  ended(node: PlannedNode, end: NodeEnd): void;
}

/** The parts of an execution a node's lifecycle writes to. */
export interface NodeLifecycleParts {
  plan: ExecutionPlan;
  executionId: string;
  context: ExecutionContext;
  deps: ExecutionRunDeps;
  writes: WriteTracker;
  events: ExecutionEventPublisher;
  abort: AbortFanout;
  signal: AbortSignal;
  resumed: readonly NodeExecutionRecord[];
  /** Nodes a wake ended (their end is published when the resumed run takes it). */
  woke: ReadonlySet<string>;
  /** Reads the secrets a node's templates name, and redacts what the node leaves behind. */
  secrets: ExecutionSecrets;
  /** What a running node's context reads from and publishes to the execution. */
  runHost: RunContextHost;
}

/** What downstream nodes and fallbacks see as `nodes.<id>.error` (no stack, no input snapshot). */
export function publicError(e: NodeExecutionRecord['error']): unknown {
  return e ? { type: e.type, code: e.code, message: e.message, attempt: e.attempt } : null;
}

export function nodeError(nodeId: string, rec: NodeExecutionRecord): SerializedError {
  const e = rec.error!;
  return { type: e.type, code: e.code, message: `node "${nodeId}" failed: ${e.message}`, details: { nodeId } };
}

/** The record of `node`'s fallback when it stood in for `node` (`recordOf` reads records by node id). */
export function standingFallback(
  plan: ExecutionPlan,
  node: PlannedNode,
  recordOf: (id: string) => NodeExecutionRecord | undefined,
): NodeExecutionRecord | undefined {
  if (node.fallback < 0) return undefined;
  const rec = recordOf(plan.nodes[node.fallback]!.id);
  return rec?.fallbackFor === node.id ? rec : undefined;
}
