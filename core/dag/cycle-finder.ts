/**
 * Kahn's algorithm over an adjacency list (iterative: 100k-deep chains are fine).
 * Returns the topological order, or the nodes of one cycle as a closed path (`[a, b, c, a]`).
 */
export function topologicalOrder(count: number, downstream: readonly (readonly number[])[]): { order: number[] } | { cycle: number[] } {
  const indegree = new Int32Array(count);
  for (const outs of downstream) for (const to of outs) indegree[to]!++;
  const order: number[] = [];
  for (let i = 0; i < count; i++) if (indegree[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    for (const to of downstream[order[head]!]!) if (--indegree[to]! === 0) order.push(to);
  }
  if (order.length === count) return { order };
  return { cycle: findCycle(count, downstream, indegree) };
}

/** Walks remaining nodes (indegree > 0) with an explicit stack until a node repeats on the path. */
function findCycle(count: number, downstream: readonly (readonly number[])[], indegree: Int32Array): number[] {
  const onPath = new Int32Array(count).fill(-1);
  const done = new Uint8Array(count);
  for (let start = 0; start < count; start++) {
    if (indegree[start] === 0 || done[start]) continue;
    const path: number[] = [];
    const cursor: number[] = [];
    path.push(start);
    cursor.push(0);
    onPath[start] = 0;
    while (path.length) {
      const node = path[path.length - 1]!;
      const outs = downstream[node]!;
      const i = cursor[cursor.length - 1]!;
      if (i >= outs.length) {
        done[node] = 1;
        onPath[node] = -1;
        path.pop();
        cursor.pop();
        continue;
      }
      cursor[cursor.length - 1] = i + 1;
      const next = outs[i]!;
      if (indegree[next] === 0 || done[next]) continue;
      if (onPath[next]! >= 0) return [...path.slice(onPath[next]), next];
      onPath[next] = path.length;
      path.push(next);
      cursor.push(0);
    }
  }
  return [];
}
