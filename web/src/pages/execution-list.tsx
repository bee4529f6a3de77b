import { useEffect, useState } from 'react';
import type { ExecutionFilters } from '../api/api-client';
import { EXECUTION_STATUSES, isTerminal, TRIGGERS } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { elapsed, formatDuration, formatTime } from '../components/format';
import { StatusBadge } from '../components/status-badge';
import { useAsync } from '../components/use-async';
import { useWorkflowNames } from '../components/use-workflow-names';
import { Link, setQuery, useLocation } from '../router';
import { useSession } from '../session-context';
import { Pager } from './workflows-page';

/** How often a page with running executions is read again. */
const LIVE_POLL_MS = 1500;
/** How often the first page looks for new executions when nothing on it runs. */
const IDLE_POLL_MS = 5000;

/**
 * Executions newest first, all or one workflow's, with status/trigger/date filters and keyset
 * pages. Pages with running executions re-read themselves, so statuses move without a reload.
 */
export function ExecutionList({ workflowId, refreshKey = 0 }: { workflowId?: string; refreshKey?: number }) {
  const { api } = useSession();
  // the filters live in the URL's query: a reload keeps them, Back and Forward move between them
  const { search } = useLocation();
  const filters = {
    status: search.get('status') ?? '',
    trigger: search.get('trigger') ?? '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
  };
  const filterKey = search.toString();
  // a cursor belongs to its filters: other filters start again at the first page
  const [paging, setPaging] = useState<{ filterKey: string; cursors: Array<string | null> }>({ filterKey, cursors: [null] });
  const cursors = paging.filterKey === filterKey ? paging.cursors : [null];
  const setCursors = (next: Array<string | null>) => setPaging({ filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1]!;
  const query: ExecutionFilters = {
    workflowId,
    status: filters.status || undefined,
    trigger: workflowId ? undefined : filters.trigger || undefined,
    from: isoOrUndefined(filters.from),
    to: isoOrUndefined(filters.to),
    limit: '25',
    cursor: cursor ?? undefined,
  };
  const key = JSON.stringify(query);
  const { data, error, loading, reload } = useAsync((signal) => api.executions(query, signal), [key, refreshKey]);
  const names = useWorkflowNames(api, workflowId ? [] : (data?.items ?? []).map((e) => e.workflowId));
  const running = !!data?.items.some((e) => !isTerminal(e.status));
  useEffect(() => {
    if (!data) return;
    if (!running && cursors.length > 1) return;
    const t = setTimeout(reload, running ? LIVE_POLL_MS : IDLE_POLL_MS);
    return () => clearTimeout(t);
  }, [data, running, cursors.length, reload]);

  function set(name: keyof typeof filters, value: string) {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    setQuery(next);
  }

  return (
    <section aria-label="Executions">
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set('status', e.target.value)} name="status">
            <option value="">any</option>
            {EXECUTION_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {!workflowId && (
          <label>
            Trigger
            <select value={filters.trigger} onChange={(e) => set('trigger', e.target.value)} name="trigger">
              <option value="">any</option>
              {TRIGGERS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          From
          <input type="datetime-local" value={filters.from} onChange={(e) => set('from', e.target.value)} name="from" />
        </label>
        <label>
          To
          <input type="datetime-local" value={filters.to} onChange={(e) => set('to', e.target.value)} name="to" />
        </label>
        {running && (
          <span className="live-dot" title="updating live">
            live
          </span>
        )}
      </form>
      <ErrorBanner error={error} title="Could not list executions" />
      <table className="table" aria-label="Execution list">
        <thead>
          <tr>
            <th>Execution</th>
            {!workflowId && <th>Workflow</th>}
            <th>Status</th>
            <th>Trigger</th>
            <th>Priority</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((e) => (
            <tr key={e.id} data-execution-id={e.id}>
              <td>
                <Link to={`/executions/${encodeURIComponent(e.id)}`} className="mono">
                  {e.id}
                </Link>
              </td>
              {!workflowId && (
                <td>
                  <Link to={`/workflows/${encodeURIComponent(e.workflowId)}`} title={e.workflowId}>
                    {names.get(e.workflowId) ?? e.workflowId}
                  </Link>{' '}
                  <span className="muted small">v{e.workflowVersion}</span>
                </td>
              )}
              <td>
                <StatusBadge status={e.status} />
              </td>
              <td>{e.trigger}</td>
              <td className="priority">
                {e.priority ?? '—'}
                {e.concurrencyKey ? (
                  <span className="muted small" title="concurrency key">
                    {' '}
                    {e.concurrencyKey}
                  </span>
                ) : null}
              </td>
              <td>{formatTime(e.startedAt ?? e.createdAt)}</td>
              <td>{formatDuration(elapsed(e.startedAt, e.finishedAt, e.durationMs))}</td>
            </tr>
          ))}
          {data && data.items.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No executions match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {loading && !data && <p className="muted">Loading…</p>}
      <Pager
        hasPrev={cursors.length > 1}
        next={data?.nextCursor ?? null}
        onPrev={() => setCursors(cursors.slice(0, -1))}
        onNext={(c) => setCursors([...cursors, c])}
      />
    </section>
  );
}

/** A `datetime-local` value (local time) as ISO 8601; nothing for an empty or mistyped one (from a hand-edited URL). */
function isoOrUndefined(local: string): string | undefined {
  const t = local ? new Date(local).getTime() : NaN;
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
