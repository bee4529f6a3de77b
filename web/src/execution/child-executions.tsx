import { useState } from 'react';
import type { ExecutionSummary } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { StatusBadge } from '../components/status-badge';
import { useAsync } from '../components/use-async';
import { Link } from '../router';
import { useSession } from '../session-context';

/**
 * The executions one node started (a sub-workflow or a map's items). The route lists every
 * child of the execution, so pages are read until this node's show up or the list ends.
 */
export function ChildExecutions({ executionId, nodeId, refreshKey }: { executionId: string; nodeId: string; refreshKey: unknown }) {
  const { api } = useSession();
  const [extra, setExtra] = useState<{ items: ExecutionSummary[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const { data, error } = useAsync(
    async (signal) => {
      setExtra(null);
      const page = await api.children(executionId, null, signal);
      return { nodeId, items: page.items.filter((c) => c.parentNodeId === nodeId), cursor: page.nextCursor };
    },
    [executionId, nodeId, refreshKey],
  );
  if (error) return <ErrorBanner error={error} title="Could not list the child executions" />;
  // the panel moved to another node: the last node's list is not this one's
  if (!data || data.nodeId !== nodeId) return null;
  const items = [...data.items, ...(extra?.items ?? [])];
  const cursor = extra ? extra.cursor : data.cursor;
  if (!items.length && !cursor) return null;

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function more() {
    setMoreError(null);
    try {
      const page = await api.children(executionId, cursor);
      setExtra({ items: [...(extra?.items ?? []), ...page.items.filter((c) => c.parentNodeId === nodeId)], cursor: page.nextCursor });
    } catch (err) {
      setMoreError(err);
    }
  }

  return (
    <section>
      <h3>Child executions</h3>
      <ol className="children" aria-label="Child executions">
        {items.map((c) => (
          <li key={c.id}>
            {c.itemIndex !== null && c.itemIndex !== undefined && <span className="muted">item {c.itemIndex}: </span>}
            <Link to={`/executions/${encodeURIComponent(c.id)}`} className="mono small">
              {c.id}
            </Link>{' '}
            <StatusBadge status={c.status} />
          </li>
        ))}
      </ol>
      {cursor && (
        <button type="button" className="link-button" onClick={() => void more()}>
          More…
        </button>
      )}
      <ErrorBanner error={moreError} title="Could not list more child executions" />
    </section>
  );
}
