import dagre from '@dagrejs/dagre';
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useEffect, useMemo } from 'react';
import type { NodeExecution } from '../api/types';
import type { GraphModel } from './graph-model';

const W = 176;
const H = 48;

type WeftNodeData = { label: string; status: string; attempts: number; type?: string; selected: boolean };

/** A node: its id as text, its status by colour and by the API's word (also its accessible name). */
const WeftNode = memo(function WeftNode({ data }: NodeProps<Node<WeftNodeData>>) {
  return (
    <div
      className={`flow-node status-${data.status}${data.selected ? ' selected' : ''}`}
      data-node-id={data.label}
      data-status={data.status}
      aria-label={`${data.label}: ${data.status}`}
      title={`${data.label} (${data.type ?? 'node'}): ${data.status}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="flow-node-id">{data.label}</div>
      <div className="flow-node-status">
        <span className="dot" aria-hidden="true" />
        {data.status}
        {data.attempts > 1 ? ` · ${data.attempts} attempts` : ''}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { weft: WeftNode };

/** Left-to-right positions from dagre (Sugiyama layering, fewer crossings than plain ranks). */
function layout(model: GraphModel): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ multigraph: false, compound: false });
  g.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of model.ids) g.setNode(id, { width: W, height: H });
  for (const e of model.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const id of model.ids) {
    const n = g.node(id);
    out.set(id, { x: n.x - W / 2, y: n.y - H / 2 });
  }
  return out;
}

/**
 * The DAG with React Flow. Positions are computed once per graph; a status change rebuilds only
 * the node objects whose status changed, so React Flow re-renders just those. Above a few
 * hundred nodes only the nodes in view are rendered.
 */
export function DagView({
  model,
  byId,
  selected,
  onSelect,
  onDrawn,
}: {
  model: GraphModel;
  byId: Map<string, NodeExecution>;
  selected: string | null;
  onSelect: (id: string) => void;
  onDrawn?: () => void;
}) {
  const positions = useMemo(() => layout(model), [model]);
  const edges = useMemo<Edge[]>(
    () =>
      model.edges.map((e, i) => ({
        id: `e${i}`,
        source: e.from,
        target: e.to,
        label: e.branch,
        className: e.fallback ? 'edge-fallback' : undefined,
        markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 },
        focusable: false,
      })),
    [model],
  );
  const cache = useMemo(() => new Map<string, Node<WeftNodeData>>(), [model]);
  const nodes = model.ids.map((id) => {
    const n = byId.get(id);
    const status = n?.status ?? 'pending';
    const attempts = n?.attempts ?? 0;
    const isSelected = selected === id;
    const prev = cache.get(id);
    if (prev && prev.data.status === status && prev.data.attempts === attempts && prev.data.selected === isSelected) return prev;
    const node: Node<WeftNodeData> = {
      id,
      type: 'weft',
      position: positions.get(id)!,
      data: { label: id, status, attempts, type: model.types.get(id), selected: isSelected },
      width: W,
      height: H,
      draggable: false,
      connectable: false,
      ariaLabel: `${id}: ${status}`,
    };
    cache.set(id, node);
    return node;
  });
  const big = model.ids.length > 150;
  useEffect(() => {
    const f = requestAnimationFrame(() => requestAnimationFrame(() => onDrawn?.()));
    return () => cancelAnimationFrame(f);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model]);
  return (
    <div className="dag" data-testid="dag">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodeClick={(_, n) => onSelect(n.id)}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        onlyRenderVisibleElements={big}
        fitView={!big}
        fitViewOptions={{ maxZoom: 1.2 }}
        defaultViewport={{ x: 16, y: 16, zoom: 0.85 }}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
        {!big && <MiniMap pannable zoomable nodeClassName={(n) => `minimap-${(n.data as WeftNodeData).status}`} />}
      </ReactFlow>
    </div>
  );
}
