import { useState } from 'react';
import { ApiError } from '../api/api-error';
import type { WorkflowDefinition } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { formatTime } from '../components/format';
import { useAsync } from '../components/use-async';
import { Link } from '../router';
import { useSession } from '../session-context';
import { ExecutionList } from './execution-list';
import { RunDialog } from './run-dialog';
import { ScheduleSummary, Triggers } from './workflows-page';

/** One workflow: its definition (editable by admins, problems at their paths), schedule, triggers, runs. */
export function WorkflowPage({ id }: { id: string }) {
  const { api, canOperate, canAdmin } = useSession();
  const { data, error, reload } = useAsync(async () => {
    const record = await api.workflow(id);
    const schedule = record.schedule ? await api.schedule(id).catch(() => null) : null;
    return { record, schedule };
  }, [id]);
  const [running, setRunning] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  if (error) {
    return (
      <main className="page">
        <p>
          <Link to="/workflows">← Workflows</Link>
        </p>
        <ErrorBanner error={error} title={`Could not read workflow ${id}`} />
      </main>
    );
  }
  if (!data) return <main className="page muted">Loading…</main>;
  const { record, schedule } = data;

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function save() {
    setSaveError(null);
    setSaved(null);
    let definition: WorkflowDefinition;
    try {
      definition = JSON.parse(editing ?? '');
    } catch (err) {
      return setSaveError(new ApiError(`The definition is not valid JSON: ${(err as Error).message}`, 400, 'PARSE'));
    }
    try {
      const r = await api.updateWorkflow(id, definition);
      setSaved(`Saved as version ${r.version}`);
      setEditing(null);
      reload();
    } catch (err) {
      setSaveError(err);
    }
  }

  return (
    <main className="page">
      <p>
        <Link to="/workflows">← Workflows</Link>
      </p>
      <div className="page-head">
        <h1>
          {record.name} <span className="muted">v{record.version}</span>
        </h1>
        <span className="spacer" />
        {canOperate && (
          <button type="button" className="primary" onClick={() => setRunning(true)}>
            Run
          </button>
        )}
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd className="mono">{record.id}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(record.updatedAt)}</dd>
        <dt>Schedule</dt>
        <dd>{record.schedule ? <ScheduleSummary schedule={record.schedule} next={schedule?.nextFireTimes ?? []} count={10} /> : '—'}</dd>
        <dt>Triggers</dt>
        <dd>
          <Triggers value={record.definition.triggers} />
        </dd>
      </dl>
      {running && <RunDialog workflowId={id} variables={record.definition.variables} onClose={() => setRunning(false)} />}
      <h2>Executions</h2>
      <ExecutionList workflowId={id} />
      <h2>Definition</h2>
      {saved && <p className="ok-text">{saved}</p>}
      <ErrorBanner error={saveError} title="The definition was refused" />
      {editing === null ? (
        <>
          {canAdmin && (
            <button type="button" onClick={() => setEditing(JSON.stringify(record.definition, null, 2))}>
              Edit definition
            </button>
          )}
          <pre className="code-block" aria-label="Definition">
            {JSON.stringify(record.definition, null, 2)}
          </pre>
        </>
      ) : (
        <div className="editor">
          <textarea
            aria-label="Definition JSON"
            className="mono"
            rows={24}
            value={editing}
            onChange={(e) => setEditing(e.target.value)}
            spellCheck={false}
          />
          <div className="dialog-actions">
            <button type="button" onClick={() => setEditing(null)}>
              Discard
            </button>
            <button type="button" className="primary" onClick={() => void save()}>
              Save as new version
            </button>
          </div>
        </div>
      )}
    </main>
  );
}
