import dagre from '@dagrejs/dagre';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useEffect, useMemo, useRef } from 'react';
import { rankLayout, type GraphModel, type GraphViewProps } from './graph-model';
import { STATUS_COLOURS } from './status-colours';

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

/** Fits the graph again when its box changes size (the node panel opening or closing, a resized window). */
function FitOnResize({ box }: { box: React.RefObject<HTMLDivElement | null> }) {
  const flow = useReactFlow();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let first = true;
    const ro = new ResizeObserver(() => {
      if (first) return void (first = false);
      void flow.fitView({ maxZoom: 1.2, duration: 150 });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [flow, box]);
  return null;
}

/**
 * Dagre's layout (fewest crossings) costs about a second per few hundred nodes here, so above
 * this many nodes the linear rank layout places them instead.
 */
const DAGRE_MAX_NODES = 100;

/** Left-to-right positions: dagre for small graphs, the rank layout for larger ones. */
function layout(model: GraphModel): Map<string, { x: number; y: number }> {
  if (model.ids.length > DAGRE_MAX_NODES) {
    const { rank, row } = rankLayout(model);
    const out = new Map<string, { x: number; y: number }>();
    for (const id of model.ids) out.set(id, { x: 16 + rank.get(id)! * (W + 56), y: 16 + row.get(id)! * (H + 16) });
    return out;
  }
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
export default function DagView({ model, byId, selected, onSelect, onDrawn }: GraphViewProps) {
  const positions = useMemo(() => {
    performance.mark('weft:layout-start');
    const p = layout(model);
    performance.mark('weft:layout-end');
    return p;
  }, [model]);
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
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const f = requestAnimationFrame(() => requestAnimationFrame(() => onDrawn?.()));
    return () => cancelAnimationFrame(f);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model]);
  return (
    <div className="dag" data-testid="dag" ref={box}>
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
        {!big && <FitOnResize box={box} />}
        {model.ids.length > 12 && (
          <MiniMap pannable zoomable nodeColor={(n) => STATUS_COLOURS[(n.data as WeftNodeData).status]?.fill ?? '#e5e7eb'} />
        )}
      </ReactFlow>
    </div>
  );
}
