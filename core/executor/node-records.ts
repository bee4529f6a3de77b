import type { NodeErrorRecord, NodeExecutionRecord, NodeStatus, SkipReason } from '../model/execution-document';
import type { CompiledValue } from '../context/compiled-value';
import { renderValue } from '../context/compiled-value';
import type { TemplateScope } from '../plugin/node-type';
import type { WorkflowDefinition } from '../model/workflow-definition';
import { isoAt } from '../services/iso-time';

/** A node's record as it starts. */
export function runningRecord(nodeId: string, startedAt: string, fallbackFor: string | null): NodeExecutionRecord {
  const rec: NodeExecutionRecord = {
    nodeId,
    status: 'running',
    attempts: 1,
    startedAt,
    finishedAt: null,
    output: null,
    error: null,
    recoveredBy: null,
    skipReason: null,
    reusedFrom: null,
  };
  if (fallbackFor) rec.fallbackFor = fallbackFor;
  return rec;
}

/** JSON text of finished records' outputs, as the executor measured it (the record's own `output`). */
const outputJsons = new WeakMap<NodeExecutionRecord, string>();

/** Remembers `json` as the JSON of `rec.output` (so a store writes it without serialising it again). */
export function rememberOutputJson(rec: NodeExecutionRecord, json: string | undefined): NodeExecutionRecord {
  if (json !== undefined && rec.output !== null && rec.output !== undefined) outputJsons.set(rec, json);
  return rec;
}

/** The JSON of `rec.output` measured when the node ended, when it is still that record's. */
export function outputJsonOf(rec: NodeExecutionRecord): string | undefined {
  return outputJsons.get(rec);
}

/** The started record, finished (a fresh object: the started one may still sit in a store's write queue). */
export function finishedRecord(
  rec: NodeExecutionRecord,
  startMs: number,
  endMs: number,
  r: { status: NodeStatus; attempts: number; output?: unknown; error?: NodeErrorRecord; attemptErrors?: NodeErrorRecord[] },
): NodeExecutionRecord {
  const out: NodeExecutionRecord = {
    nodeId: rec.nodeId,
    status: r.status,
    attempts: r.attempts,
    startedAt: rec.startedAt,
    finishedAt: isoAt(endMs),
    durationMs: endMs - startMs,
    output: r.output ?? null,
    error: r.error ?? null,
    recoveredBy: null,
    skipReason: null,
    reusedFrom: null,
  };
  if (rec.fallbackFor) out.fallbackFor = rec.fallbackFor;
  if (r.attemptErrors && r.attemptErrors.length > (r.error ? 1 : 0)) out.attemptErrors = r.attemptErrors;
  return out;
}

/** A node that never started: skipped (with its reason) or, with `null`, cancelled by the caller. */
export function skippedRecord(nodeId: string, reason: SkipReason | null): NodeExecutionRecord {
  return {
    nodeId,
    status: 'skipped',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    output: null,
    error: null,
    recoveredBy: null,
    skipReason: reason,
    reusedFrom: null,
  };
}

/** A node that never started because its execution was cancelled (or stopped) first. */
export function cancelledRecord(nodeId: string): NodeExecutionRecord {
  return { ...skippedRecord(nodeId, null), status: 'cancelled' };
}

/**
 * The records of an execution cancelled before any node started: every node `cancelled`, in
 * definition order, fallback nodes left out (the document lists a fallback only when it ran) —
 * the same list the executor writes when it stops before starting anything.
 */
export function neverStartedRecords(definition: Pick<WorkflowDefinition, 'nodes'>): NodeExecutionRecord[] {
  const fallbacks = new Set(definition.nodes.map((n) => n.fallback).filter((f): f is string => typeof f === 'string'));
  return definition.nodes.filter((n) => !fallbacks.has(n.id)).map((n) => cancelledRecord(n.id));
}

/** Renders the workflow's `outputs`; an output whose path is missing (e.g. a skipped node) is null. */
export function renderOutputs(outputs: CompiledValue, scope: TemplateScope): Record<string, unknown> {
  if (outputs.kind === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of outputs.entries) out[k] = renderOr(v, scope);
    return out;
  }
  return (renderOr(outputs, scope) ?? {}) as Record<string, unknown>;
}

function renderOr(v: CompiledValue, scope: TemplateScope): unknown {
  try {
    return renderValue(v, scope) ?? null;
  } catch {
    return null;
  }
}
