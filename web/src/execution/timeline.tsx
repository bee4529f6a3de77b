import { useEffect, useMemo, useState } from 'react';
import type { ExecutionDocument, NodeExecution } from '../api/types';
import { formatDuration } from '../components/format';
import { VirtualList } from '../components/virtual-list';

const ROW = 22;

/** A Gantt of node starts and ends: where the time went. Rows are virtualised. */
export function Timeline({ doc, onSelect, selected }: { doc: ExecutionDocument; onSelect: (id: string) => void; selected: string | null }) {
  const running = doc.nodes.some((n) => n.startedAt && !n.finishedAt);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);
  const started = useMemo(
    () => doc.nodes.filter((n) => n.startedAt).sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)),
    [doc.nodes],
  );
  const end = (n: NodeExecution) => (n.finishedAt ? Date.parse(n.finishedAt) : now);
  const lastEnd = useMemo(() => started.reduce((m, n) => Math.max(m, n.finishedAt ? Date.parse(n.finishedAt) : 0), 0), [started]);
  if (!started.length) return <p className="muted">No node has started yet.</p>;
  const t0 = Math.min(Date.parse(doc.startedAt ?? started[0]!.startedAt!), Date.parse(started[0]!.startedAt!));
  const t1 = Math.max(t0 + 1, doc.finishedAt ? Date.parse(doc.finishedAt) : now, lastEnd, running ? now : 0);
  const span = t1 - t0;
  const pct = (t: number) => `${(((t - t0) / span) * 100).toFixed(3)}%`;
  return (
    <div className="timeline" aria-label="Timeline of node starts and ends">
      <div className="timeline-axis small muted">
        <span>0</span>
        <span>{formatDuration(span / 2)}</span>
        <span>{formatDuration(span)}</span>
      </div>
      <VirtualList
        items={started}
        rowHeight={ROW}
        height={Math.min(320, started.length * ROW + 2)}
        label="Node timeline"
        render={(n) => {
          const s = Date.parse(n.startedAt!);
          const width = `${Math.max(0.2, ((end(n) - s) / span) * 100).toFixed(3)}%`;
          return (
            <button
              type="button"
              className={`timeline-row${selected === n.nodeId ? ' selected' : ''}`}
              onClick={() => onSelect(n.nodeId)}
              title={`${n.nodeId}: ${n.status}, ${formatDuration(end(n) - s)}`}
            >
              <span className="timeline-label mono">{n.nodeId}</span>
              <span className="timeline-track">
                <span className={`timeline-bar status-${n.status}`} style={{ left: pct(s), width }} />
              </span>
              <span className="timeline-dur small">{formatDuration(end(n) - s)}</span>
            </button>
          );
        }}
      />
    </div>
  );
}
