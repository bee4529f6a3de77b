import type { ExecutionDocument, NodeExecutionRecord } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';

/** What a re-run copies and what it runs. */
export interface RerunPlan {
  /** Records copied into the new execution (status `succeeded`, `reusedFrom` set). */
  reused: NodeExecutionRecord[];
  /** Ids of the nodes that run again. */
  runs: string[];
}

/** Nodes of `definition` that are scheduled on their own (fallback targets are not). */
export function scheduledNodeIds(definition: WorkflowDefinition): string[] {
  const fallbacks = new Set(definition.nodes.map((n) => n.fallback).filter((f): f is string => typeof f === 'string'));
  return definition.nodes.filter((n) => !fallbacks.has(n.id)).map((n) => n.id);
}

/** A node that succeeded, or failed and was recovered by its fallback (which counts as succeeded). */
function succeeded(rec: NodeExecutionRecord | undefined): rec is NodeExecutionRecord {
  return !!rec && (rec.status === 'succeeded' || (rec.status === 'failed' && !!rec.recoveredBy));
}

/**
 * Which nodes of `target` (the version the re-run runs) are copied from `original` and which run:
 * the `from` nodes (default: those that did not succeed) and everything downstream of them in
 * `target`'s graph run; every other node that succeeded is copied. With `originalTypes` (a re-run
 * on the latest version) a node whose id is new or whose type changed runs too, with its downstream. A copied node keeps its attempts, times and output (a node its
 * fallback recovered takes the fallback's output) and names the execution that produced it.
 */
export function planRerun(
  original: ExecutionDocument,
  target: WorkflowDefinition,
  from: readonly string[] | undefined,
  originalTypes: ReadonlyMap<string, string> | null,
): RerunPlan {
  const records = new Map(original.nodes.map((n) => [n.nodeId, n]));
  const scheduled = scheduledNodeIds(target);
  const types = new Map(target.nodes.map((n) => [n.id, n.type]));
  // a node whose type changed runs, and what it feeds runs with its new output
  const changed = originalTypes ? scheduled.filter((id) => originalTypes.get(id) !== types.get(id)) : [];
  const start = [...(from ?? scheduled.filter((id) => !succeeded(records.get(id)))), ...changed];
  const downstream = new Map<string, string[]>();
  for (const e of target.edges ?? []) {
    const list = downstream.get(e.from);
    if (list) list.push(e.to);
    else downstream.set(e.from, [e.to]);
  }
  // iterative: a 100k-deep chain must not overflow the stack
  const dirty = new Set<string>(start);
  const stack = [...start];
  while (stack.length) {
    for (const next of downstream.get(stack.pop()!) ?? []) {
      if (dirty.has(next)) continue;
      dirty.add(next);
      stack.push(next);
    }
  }
  const reused: NodeExecutionRecord[] = [];
  const runs: string[] = [];
  for (const id of scheduled) {
    const rec = records.get(id);
    if (dirty.has(id) || !succeeded(rec)) {
      runs.push(id);
      continue;
    }
    reused.push(copyOf(rec, records, original.id));
  }
  return { reused, runs };
}

function copyOf(rec: NodeExecutionRecord, records: Map<string, NodeExecutionRecord>, originalId: string): NodeExecutionRecord {
  const output = rec.status === 'succeeded' ? rec.output : (records.get(rec.recoveredBy!)?.output ?? null);
  const copy: NodeExecutionRecord = {
    nodeId: rec.nodeId,
    status: 'succeeded',
    attempts: rec.attempts,
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt,
    output,
    error: null,
    recoveredBy: null,
    skipReason: null,
    // a copy of a copy names the execution that really produced the output
    reusedFrom: rec.reusedFrom ?? originalId,
  };
  if (rec.durationMs !== undefined) copy.durationMs = rec.durationMs;
  if (rec.branch !== undefined && rec.branch !== null) copy.branch = rec.branch;
  return copy;
}
