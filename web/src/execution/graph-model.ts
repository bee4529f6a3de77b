import type { ExecutionDocument, NodeExecution, WorkflowDefinition } from '../api/types';

export interface GraphEdge {
  from: string;
  to: string;
  branch?: string;
  /** A fallback edge: drawn dashed, only when the fallback ran. */
  fallback?: boolean;
}

export interface GraphModel {
  /** Node ids in definition order (fallbacks that ran appended). */
  ids: string[];
  edges: GraphEdge[];
  types: Map<string, string>;
}

/** What both graph views (React Flow's and the big graph's canvas) take. */
export interface GraphViewProps {
  model: GraphModel;
  byId: Map<string, NodeExecution>;
  selected: string | null;
  onSelect: (id: string) => void;
  /** Called once, after the first frame that shows the graph (the benchmark and tests wait on it). */
  onDrawn?: () => void;
}

/**
 * The graph of an execution: the definition's nodes and edges, plus fallback nodes that ran
 * (the execution document lists those only then). Without a definition the document's nodes
 * are drawn unconnected.
 */
export function buildGraph(doc: ExecutionDocument, definition: WorkflowDefinition | null): GraphModel {
  const ran = new Set(doc.nodes.map((n) => n.nodeId));
  const fallbacks = new Set((definition?.nodes ?? []).map((n) => n.fallback).filter((f): f is string => !!f));
  const ids: string[] = [];
  const types = new Map<string, string>();
  const seen = new Set<string>();
  for (const n of definition?.nodes ?? []) {
    if (fallbacks.has(n.id) && !ran.has(n.id)) continue;
    ids.push(n.id);
    seen.add(n.id);
    types.set(n.id, n.type);
  }
  for (const n of doc.nodes) {
    if (seen.has(n.nodeId)) continue;
    ids.push(n.nodeId);
    seen.add(n.nodeId);
  }
  const edges: GraphEdge[] = [];
  for (const e of definition?.edges ?? []) if (seen.has(e.from) && seen.has(e.to)) edges.push({ from: e.from, to: e.to, branch: e.branch });
  for (const n of definition?.nodes ?? []) {
    if (n.fallback && seen.has(n.fallback) && seen.has(n.id)) edges.push({ from: n.id, to: n.fallback, fallback: true });
  }
  return { ids, edges, types };
}

/**
 * What of the document changes the graph {@link buildGraph} draws: the nodes that ran but the
 * definition does not list, and the fallbacks that ran. Statuses do not, nor do nodes the
 * definition lists, so a running execution is laid out once, not at every node that starts.
 */
export function graphKey(doc: ExecutionDocument, definition: WorkflowDefinition | null): string {
  const listed = new Map((definition?.nodes ?? []).map((n) => [n.id, n]));
  const fallbacks = new Set((definition?.nodes ?? []).map((n) => n.fallback).filter((f): f is string => !!f));
  let key = '';
  for (const n of doc.nodes) if (!listed.has(n.nodeId) || fallbacks.has(n.nodeId)) key += `${n.nodeId}\u0000`;
  return key;
}

/**
 * Longest-path layering (Kahn's order), left to right: linear in nodes + edges, so it lays out
 * 10,000 nodes in milliseconds where a full Sugiyama layout would take seconds.
 */
export function rankLayout(model: GraphModel): { rank: Map<string, number>; row: Map<string, number>; ranks: string[][] } {
  const indeg = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const id of model.ids) {
    indeg.set(id, 0);
    out.set(id, []);
  }
  for (const e of model.edges) {
    out.get(e.from)!.push(e.to);
    indeg.set(e.to, indeg.get(e.to)! + 1);
  }
  const rank = new Map<string, number>();
  const queue = model.ids.filter((id) => indeg.get(id) === 0);
  for (const id of queue) rank.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const to of out.get(id)!) {
      rank.set(to, Math.max(rank.get(to) ?? 0, rank.get(id)! + 1));
      indeg.set(to, indeg.get(to)! - 1);
      if (indeg.get(to) === 0) queue.push(to);
    }
  }
  for (const id of model.ids) if (!rank.has(id)) rank.set(id, 0); // a cycle cannot validate; be safe anyway
  const ranks: string[][] = [];
  const row = new Map<string, number>();
  for (const id of model.ids) {
    const r = rank.get(id)!;
    (ranks[r] ??= []).push(id);
    row.set(id, ranks[r].length - 1);
  }
  // one barycentre sweep (rank by rank, each node at the mean row of its predecessors) takes
  // out most edge crossings for O(E log V), where dagre's full crossing minimisation takes seconds
  const preds = new Map<string, string[]>();
  for (const e of model.edges) (preds.get(e.to) ?? preds.set(e.to, []).get(e.to)!).push(e.from);
  for (let r = 1; r < ranks.length; r++) {
    const ids = ranks[r] ?? [];
    const key = new Map<string, number>();
    for (const id of ids) {
      const p = preds.get(id);
      key.set(id, p?.length ? p.reduce((s, q) => s + row.get(q)!, 0) / p.length : row.get(id)!);
    }
    ids.sort((a, b) => key.get(a)! - key.get(b)!);
    ids.forEach((id, i) => row.set(id, i));
  }
  return { rank, row, ranks };
}
