import type { WorkflowDefinition } from '../../core/model/workflow-definition';

/** A node that calls the side-effect server once per run, answered after `ms`. */
function call(sideEffects: string, id: string, ms: number) {
  return { id, type: 'tool', config: { tool: 'http.request', input: { url: `${sideEffects}/call/{{ execution.id }}/${id}?ms=${ms}` } } };
}

/** `length` nodes one after another, each a side effect of `ms`. */
export function chainWorkflow(sideEffects: string, length: number, ms: number): WorkflowDefinition {
  const nodes = Array.from({ length }, (_, i) => call(sideEffects, `step${i + 1}`, ms));
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
  return { name: `chaos-chain-${length}`, nodes, edges };
}

/** One node, `width` in parallel after it, and a join after them. */
export function fanOutWorkflow(sideEffects: string, width: number, ms: number): WorkflowDefinition {
  const branches = Array.from({ length: width }, (_, i) => call(sideEffects, `branch${i + 1}`, ms));
  const nodes = [call(sideEffects, 'split', ms), ...branches, call(sideEffects, 'join', ms)];
  const edges = branches.flatMap((b) => [
    { from: 'split', to: b.id },
    { from: b.id, to: 'join' },
  ]);
  return { name: `chaos-fan-out-${width}`, nodes, edges };
}

/** A `map` over `items` numbers, each item a side effect of `ms` (`concurrency` at once), then a node after it. */
export function mapWorkflow(sideEffects: string, items: number, ms: number, concurrency = 4): WorkflowDefinition {
  const each = {
    id: 'each',
    type: 'map',
    config: {
      items: Array.from({ length: items }, (_, i) => i),
      concurrency,
      node: {
        type: 'tool',
        config: { tool: 'http.request', input: { url: `${sideEffects}/call/{{ execution.id }}/item{{ index }}?ms=${ms}` } },
      },
    },
  };
  return {
    name: `chaos-map-${items}`,
    nodes: [each, call(sideEffects, 'after', ms)],
    edges: [{ from: 'each', to: 'after' }],
  };
}
