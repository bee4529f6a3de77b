import { useState, type ReactNode } from 'react';

/** Renders only the rows in view (plus a margin): thousands of rows stay cheap. */
export function VirtualList<T>({
  items,
  rowHeight,
  height,
  render,
  className,
  label,
}: {
  items: readonly T[];
  rowHeight: number;
  height: number;
  render: (item: T, index: number) => ReactNode;
  className?: string;
  label?: string;
}) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 10);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {render(items[i]!, i)}
      </div>,
    );
  }
  return (
    <div
      className={`vlist ${className ?? ''}`}
      style={{ height }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      role="list"
      aria-label={label}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
