import assert from 'node:assert/strict';
import { useWaitsRuntime, type WaitsRuntime } from './waits-runtime';
import { waitFor } from './wait-for';

/** {@link useWaitsRuntime} with a child workflow that waits for `approve`, and the map tests' steps. */
export interface MapParking extends WaitsRuntime {
  /** The child: waits for `approve`, fails when the payload says `reject`, else outputs `{ got: { item, by } }`. */
  readonly child: string;
  /** A workflow of one map node `fan` over `inputs.list` in workflow mode (the child), with `config` and node settings `extra`. */
  mapWorkflow: (name: string, config: Record<string, unknown>, extra?: Record<string, unknown>) => Promise<string>;
  /** The parent `waiting` with `fan` waiting, and its children by item index once `count` of them wait. */
  parkedWith: (id: string, count: number) => Promise<Map<number, string>>;
  /** Executes with `wait: true` over `list` (the document as it is when it ends or first waits). */
  start: (workflowId: string, list: unknown[]) => Promise<{ id: string; doc: any }>;
  /** Sends `approve` to a child. */
  approve: (childId: string, payload: unknown) => Promise<void>;
}

/** Registers the hooks of {@link useWaitsRuntime} and creates the waiting child workflow. */
export function useMapParking(dialect: 'sqlite' | 'postgresql'): MapParking {
  const w = useWaitsRuntime(dialect);
  let child = '';
  before(async () => {
    child = await w.api.createWorkflow({
      name: 'approve-item',
      nodes: [
        { id: 'approve', type: 'wait', config: { signal: 'approve' } },
        {
          id: 'check',
          type: 'adapter',
          config: {
            transform: 'code',
            input: { payload: '{{ nodes.approve.output.payload }}', item: '{{ inputs.item }}' },
            code: "if (input.payload.reject) throw new Error('rejected ' + input.item); return { item: input.item, by: input.payload.by };",
          },
        },
      ],
      edges: [{ from: 'approve', to: 'check' }],
      outputs: { got: '{{ nodes.check.output }}' },
    });
  });
  // the runtime's reads (and its `runtime`/`api` getters) come through the prototype; `child` is read when used
  const m = Object.create(w) as MapParking;
  Object.defineProperty(m, 'child', { get: () => child });
  return Object.assign(m, {
    mapWorkflow: (name: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      w.api.createWorkflow({
        name,
        nodes: [{ id: 'fan', type: 'map', config: { items: '{{ inputs.list }}', workflow: { workflowId: child }, ...config }, ...extra }],
        outputs: { fan: '{{ nodes.fan.output }}' },
      }),
    parkedWith: (id: string, count: number) =>
      waitFor(
        async () => {
          const doc = await w.get(id);
          if (doc.status !== 'waiting' || w.node(doc, 'fan')?.status !== 'waiting') return undefined;
          const waiting = (await w.children(id)).filter((k) => k.status === 'waiting');
          return waiting.length === count ? new Map(waiting.map((k) => [k.itemIndex as number, k.id as string])) : undefined;
        },
        `the parent to park on ${count} waiting children`,
        { timeoutMs: 30_000 },
      ),
    start: async (workflowId: string, list: unknown[]) => {
      const r = await w.api.request('POST', `/api/v1/workflows/${workflowId}/execute`, {
        body: { wait: true, inputs: { list } },
        key: w.api.keys.operator,
      });
      assert.equal(r.status, 200, r.text);
      return { id: r.body.id as string, doc: r.body };
    },
    approve: (childId: string, payload: unknown) => w.signal(childId, 'approve', payload),
  });
}
