import { useState } from 'react';
import type { WorkflowSummary } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { formatTime } from '../components/format';
import { StatusBadge } from '../components/status-badge';
import { useAsync } from '../components/use-async';
import { Link } from '../router';
import { useSession } from '../session-context';

/** Every workflow: name, version, schedule and its next fires, triggers, last execution. */
export function WorkflowsPage() {
  const { api } = useSession();
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1]!;
  const { data, error, loading } = useAsync(() => api.workflows(cursor), [cursor]);
  return (
    <main className="page">
      <h1>Workflows</h1>
      <ErrorBanner error={error} title="Could not list workflows" />
      <table className="table" aria-label="Workflows">
        <thead>
          <tr>
            <th>Name</th>
            <th>Version</th>
            <th>Schedule</th>
            <th>Triggers</th>
            <th>Last execution</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((w) => (
            <WorkflowRow key={w.id} workflow={w} />
          ))}
          {data && data.items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No workflows yet. Create one with <code>POST /api/v1/workflows</code>.
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
    </main>
  );
}

function WorkflowRow({ workflow }: { workflow: WorkflowSummary }) {
  const { api } = useSession();
  const details = useAsync(
    async (signal) => {
      const [record, last, schedule] = await Promise.all([
        api.workflow(workflow.id),
        api.executions({ workflowId: workflow.id, limit: '1' }, signal),
        workflow.schedule ? api.schedule(workflow.id).catch(() => null) : Promise.resolve(null),
      ]);
      return { record, last: last.items[0] ?? null, schedule };
    },
    [workflow.id, workflow.version],
  );
  const d = details.data;
  return (
    <tr>
      <td>
        <Link to={`/workflows/${encodeURIComponent(workflow.id)}`}>{workflow.name}</Link>
        <div className="muted small mono">{workflow.id}</div>
      </td>
      <td>v{workflow.version}</td>
      <td>
        {workflow.schedule ? (
          <ScheduleSummary schedule={workflow.schedule} next={d?.schedule?.nextFireTimes ?? []} />
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <Triggers value={d?.record.definition.triggers} />
      </td>
      <td>
        {d?.last ? (
          <Link to={`/executions/${encodeURIComponent(d.last.id)}`}>
            <StatusBadge status={d.last.status} /> <span className="muted small">{formatTime(d.last.startedAt ?? d.last.createdAt)}</span>
          </Link>
        ) : (
          <span className="muted">{details.loading ? '…' : 'never run'}</span>
        )}
      </td>
    </tr>
  );
}

export function ScheduleSummary({ schedule, next, count = 3 }: { schedule: unknown; next: string[]; count?: number }) {
  const s = schedule as { cron?: string; intervalMs?: number; timezone?: string } | null;
  const what = s?.cron ? `cron ${s.cron}` : s?.intervalMs ? `every ${s.intervalMs} ms` : JSON.stringify(schedule);
  return (
    <div>
      <code>{what}</code>
      {s?.timezone && <span className="muted small"> ({s.timezone})</span>}
      {next.length > 0 && (
        <ul className="next-fires small muted" aria-label="Next fire times">
          {next.slice(0, count).map((t) => (
            <li key={t}>{formatTime(t)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A definition's `triggers` (webhooks and the like), when it has any. */
export function Triggers({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span className="muted">—</span>;
  const list = Array.isArray(value) ? value : Object.entries(value).map(([name, v]) => ({ name, ...(v as object) }));
  if (!list.length) return <span className="muted">—</span>;
  return (
    <ul className="chips">
      {list.map((t, i) => {
        const o = (t ?? {}) as { type?: string; kind?: string; name?: string };
        return (
          <li key={i} className="chip">
            {[o.type ?? o.kind, o.name].filter(Boolean).join(': ') || JSON.stringify(t)}
          </li>
        );
      })}
    </ul>
  );
}

export function Pager({
  hasPrev,
  next,
  onPrev,
  onNext,
}: {
  hasPrev: boolean;
  next: string | null;
  onPrev: () => void;
  onNext: (cursor: string) => void;
}) {
  if (!hasPrev && !next) return null;
  return (
    <div className="pager">
      <button type="button" disabled={!hasPrev} onClick={onPrev}>
        ← Previous page
      </button>
      <button type="button" disabled={!next} onClick={() => next && onNext(next)}>
        Next page →
      </button>
    </div>
  );
}
