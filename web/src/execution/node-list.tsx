import { useMemo, useState } from 'react';
import type { NodeExecution } from '../api/types';
import { StatusBadge } from '../components/status-badge';
import { VirtualList } from '../components/virtual-list';

/** Every node with its status as text, filterable: the big graph's accessible companion. */
export function NodeList({
  ids,
  byId,
  onSelect,
  selected,
}: {
  ids: string[];
  byId: Map<string, NodeExecution>;
  onSelect: (id: string) => void;
  selected: string | null;
}) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? ids.filter((id) => id.toLowerCase().includes(f) || (byId.get(id)?.status ?? 'pending').includes(f)) : ids;
  }, [ids, byId, filter]);
  return (
    <div className="node-list">
      <input
        type="search"
        placeholder="Filter nodes by id or status"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        aria-label="Filter nodes"
      />
      <VirtualList
        items={shown}
        rowHeight={28}
        height={260}
        label="Nodes"
        render={(id) => (
          <button
            type="button"
            className={`node-list-row${selected === id ? ' selected' : ''}`}
            onClick={() => onSelect(id)}
            role="listitem"
          >
            <span className="mono">{id}</span> <StatusBadge status={byId.get(id)?.status ?? 'pending'} />
          </button>
        )}
      />
    </div>
  );
}
