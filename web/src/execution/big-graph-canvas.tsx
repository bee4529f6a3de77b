import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import { rankLayout, type GraphViewProps } from './graph-model';
import { STATUS_COLOURS, UNKNOWN_COLOURS } from './status-colours';

const COL = 190;
const ROW = 44;
const W = 160;
const H = 32;

/**
 * Big graphs (thousands of nodes) on one canvas: rank layout (linear time), only the nodes in
 * view drawn, text only when zoomed in enough to read it. React Flow would create a DOM subtree
 * per node; here a redraw costs the visible nodes only, so 10,000 nodes open without freezing.
 * The node list beside it carries each node's id and status as text for screen readers.
 */
export function BigGraphCanvas({ model, byId, selected, onSelect, onDrawn }: GraphViewProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [view, setView] = useState({ x: 16, y: 16, zoom: 0.8 });
  const [size, setSize] = useState({ w: 800, h: 480 });
  const layout = useMemo(() => rankLayout(model), [model]);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null);
  const drawnOnce = useRef(false);

  useEffect(() => {
    const el = canvas.current!.parentElement!;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current!;
    const dpr = window.devicePixelRatio || 1;
    // assigning a canvas's size reallocates it even when unchanged: only on a real resize
    if (c.width !== Math.round(size.w * dpr)) c.width = Math.round(size.w * dpr);
    if (c.height !== Math.round(size.h * dpr)) c.height = Math.round(size.h * dpr);
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, size.w, size.h);
    g.save();
    g.translate(view.x, view.y);
    g.scale(view.zoom, view.zoom);
    const x0 = -view.x / view.zoom;
    const y0 = -view.y / view.zoom;
    const x1 = x0 + size.w / view.zoom;
    const y1 = y0 + size.h / view.zoom;
    const r0 = Math.max(0, Math.floor(x0 / COL) - 1);
    const r1 = Math.min(layout.ranks.length - 1, Math.ceil(x1 / COL));
    const visible = (rank: number, row: number) => rank >= r0 && rank <= r1 && row * ROW + H >= y0 && row * ROW <= y1;
    // edges whose either end is in view
    g.strokeStyle = '#cbd5e1';
    g.lineWidth = 1 / view.zoom;
    g.beginPath();
    for (const e of model.edges) {
      const ra = layout.rank.get(e.from)!;
      const rb = layout.rank.get(e.to)!;
      const a = layout.row.get(e.from)!;
      const b = layout.row.get(e.to)!;
      if (!visible(ra, a) && !visible(rb, b)) continue;
      g.moveTo(ra * COL + W, a * ROW + H / 2);
      g.lineTo(rb * COL, b * ROW + H / 2);
    }
    g.stroke();
    const text = view.zoom >= 0.45;
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    for (let r = r0; r <= r1; r++) {
      const ids = layout.ranks[r] ?? [];
      const first = Math.max(0, Math.floor(y0 / ROW) - 1);
      const last = Math.min(ids.length - 1, Math.ceil(y1 / ROW));
      for (let i = first; i <= last; i++) {
        const id = ids[i]!;
        const status = byId.get(id)?.status ?? 'pending';
        const x = r * COL;
        const y = i * ROW;
        const colours = STATUS_COLOURS[status] ?? UNKNOWN_COLOURS;
        g.fillStyle = colours.fill;
        g.strokeStyle = id === selected ? '#111827' : colours.stroke;
        g.lineWidth = (id === selected ? 3 : 1.5) / view.zoom;
        g.fillRect(x, y, W, H);
        g.strokeRect(x, y, W, H);
        if (text) {
          g.fillStyle = '#111827';
          g.fillText(clip(id, 18), x + 6, y + 11);
          g.fillStyle = '#374151';
          g.fillText(status, x + 6, y + 24);
        }
      }
    }
    g.restore();
    if (!drawnOnce.current) {
      drawnOnce.current = true;
      requestAnimationFrame(() => onDrawn?.());
    }
  }, [view, size, layout, model, byId, selected, onDrawn]);

  function at(e: { clientX: number; clientY: number }): string | null {
    const rect = canvas.current!.getBoundingClientRect();
    const gx = (e.clientX - rect.left - view.x) / view.zoom;
    const gy = (e.clientY - rect.top - view.y) / view.zoom;
    const r = Math.floor(gx / COL);
    const i = Math.floor(gy / ROW);
    if (gx - r * COL > W || gy - i * ROW > H) return null;
    return layout.ranks[r]?.[i] ?? null;
  }
  function down(e: PointerEvent<HTMLCanvasElement>) {
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    e.currentTarget.setPointerCapture(e.pointerId);
  }
  function move(e: PointerEvent<HTMLCanvasElement>) {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
    if (d.moved) setView((v) => ({ ...v, x: d.vx + dx, y: d.vy + dy }));
  }
  function up(e: PointerEvent<HTMLCanvasElement>) {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved) {
      const id = at(e);
      if (id) onSelect(id);
    }
  }
  function wheel(e: WheelEvent<HTMLCanvasElement>) {
    const rect = canvas.current!.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    setView((v) => {
      const zoom = Math.min(2, Math.max(0.02, v.zoom * Math.exp(-e.deltaY * 0.0015)));
      return { zoom, x: px - ((px - v.x) * zoom) / v.zoom, y: py - ((py - v.y) * zoom) / v.zoom };
    });
  }
  return (
    <div className="dag big-graph" data-testid="big-graph">
      <canvas
        ref={canvas}
        style={{ width: size.w, height: size.h }}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onWheel={wheel}
        role="img"
        aria-label={`Graph of ${model.ids.length.toLocaleString()} nodes; the node list below names each with its status`}
      />
      <div className="canvas-help muted small">Drag to pan, wheel to zoom, click a node for details.</div>
    </div>
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
