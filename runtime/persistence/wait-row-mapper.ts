import type { WaitSpec } from '../../core/plugin/park-request';

/** The wait a `weft_wait` row describes (null: not a node's timer, signal or child). */
export function waitSpecOfRow(row: {
  kind: unknown;
  due_at: unknown;
  signal_name: unknown;
  child_execution_id?: unknown;
  deadline_at?: unknown;
}): WaitSpec | null {
  const due = row.due_at === null || row.due_at === undefined ? null : Number(row.due_at);
  if (row.kind === 'timer' && due !== null) return { kind: 'timer', dueAt: due };
  if (row.kind === 'signal') return { kind: 'signal', signal: String(row.signal_name), timeoutAt: due };
  // a child wait is due at its node's deadline, or earlier (its `wakeAt`, or once the child ended: the wait is then due anyway)
  if (row.kind === 'child' && row.child_execution_id) {
    const deadline = row.deadline_at === null || row.deadline_at === undefined ? null : Number(row.deadline_at);
    const wakeAt = due !== null && (deadline === null || due < deadline) ? due : null;
    return { kind: 'child', childExecutionId: String(row.child_execution_id), timeoutAt: deadline, wakeAt };
  }
  return null;
}

/**
 * The waits of an execution's rows, one per node: a map's `child` rows (one per child it parked
 * on) make one `children` wait, so whatever arms it watches every child, not the last row's.
 */
export function waitsOfRows(
  rows: Array<{
    node_id: unknown;
    kind: unknown;
    due_at: unknown;
    signal_name: unknown;
    child_execution_id?: unknown;
    deadline_at?: unknown;
  }>,
): Array<{ nodeId: string; wait: WaitSpec }> {
  const byNode = new Map<string, WaitSpec>();
  for (const r of rows) {
    const wait = waitSpecOfRow(r);
    if (!wait) continue;
    const nodeId = String(r.node_id);
    const had = byNode.get(nodeId);
    if (wait.kind === 'child' && (had?.kind === 'child' || had?.kind === 'children')) {
      const ids = had.kind === 'child' ? [had.childExecutionId] : [...had.childExecutionIds];
      // every row carries the node's deadline; the node wakes at the earliest row's `wakeAt`
      const wakeAt = Math.min(had.wakeAt ?? Infinity, wait.wakeAt ?? Infinity);
      byNode.set(nodeId, {
        kind: 'children',
        childExecutionIds: [...ids, wait.childExecutionId],
        timeoutAt: had.timeoutAt ?? wait.timeoutAt ?? null,
        wakeAt: Number.isFinite(wakeAt) ? wakeAt : null,
      });
    } else byNode.set(nodeId, wait);
  }
  return [...byNode].map(([nodeId, wait]) => ({ nodeId, wait }));
}
