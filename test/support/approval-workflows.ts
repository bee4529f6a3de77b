/**
 * Definitions the process-level map tests share: a child that waits for an `approve` signal and
 * outputs who approved which item, and a parent mapping items over it.
 */
export function approvalChild(name: string): object {
  return {
    name,
    nodes: [
      { id: 'approve', type: 'wait', config: { signal: 'approve' } },
      {
        id: 'out',
        type: 'tool',
        config: { tool: 'core.echo', input: { by: '{{ nodes.approve.output.payload.by }}', item: '{{ inputs.item }}' } },
      },
    ],
    edges: [{ from: 'approve', to: 'out' }],
    outputs: { approved: '{{ nodes.out.output }}' },
  };
}

/** One map node `fan` over `items`, each item a child run of `childWorkflowId`; outputs `fan`. */
export function mapOverChildren(name: string, childWorkflowId: string, items: unknown[]): object {
  return {
    name,
    nodes: [{ id: 'fan', type: 'map', config: { items, concurrency: items.length, workflow: { workflowId: childWorkflowId } } }],
    outputs: { fan: '{{ nodes.fan.output }}' },
  };
}
