import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { isTerminal, type NodeExecution, type WorkflowDefinition } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { elapsed, formatDuration, formatTime } from '../components/format';
import { JsonTree } from '../components/json-tree';
import { StatusBadge } from '../components/status-badge';
import { BigGraphCanvas } from '../execution/big-graph-canvas';
import { takeExecutionReads } from '../execution/execution-reads';
import { buildGraph, graphKey } from '../execution/graph-model';
import { NodeList } from '../execution/node-list';
import { NodePanel } from '../execution/node-panel';
import { RerunButton } from '../execution/rerun-button';
import { Timeline } from '../execution/timeline';
import { useLiveExecution } from '../execution/use-live-execution';
import { Link } from '../router';
import { useSession } from '../session-context';

/**
 * Above this many nodes the graph is drawn on one canvas instead of as React Flow nodes (a DOM
 * subtree each): React Flow took seconds to mount a 1,000-node graph here, the canvas draws
 * 10,000 in a fraction of that.
 */
export const CANVAS_THRESHOLD = 300;

// React Flow and dagre are most of this page's code and only small graphs use them: a big graph
// draws without loading them at all
const loadDagView = () => import('../execution/dag-view');
const DagView = lazy(loadDagView);

/** One execution: header and actions, the live DAG, the timeline and the node panel. */
export default function ExecutionPage({ id }: { id: string }) {
  const { api, canOperate } = useSession();
  const [reads] = useState(() => takeExecutionReads(api, id));
  const { doc, error, live, refresh } = useLiveExecution(id, reads.doc);
  const [definition, setDefinition] = useState<WorkflowDefinition | null | undefined>(undefined);
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let live = true;
    // the version this execution pinned gives the edges and node types (not the current one, which may differ)
    void reads.definition.then((d) => {
      performance.mark('weft:definition-end');
      if (live) setDefinition(d);
    });
    return () => {
      live = false;
    };
  }, [reads]);

  // a small execution will want React Flow: load it while the definition is being read
  const small = doc !== null && doc.nodes.length <= CANVAS_THRESHOLD;
  useEffect(() => {
    if (small) void loadDagView();
  }, [small]);

  const shape = doc && definition !== undefined ? graphKey(doc, definition) : null;
  const model = useMemo(() => (doc && definition !== undefined ? buildGraph(doc, definition) : null), [definition, shape]); // eslint-disable-line react-hooks/exhaustive-deps
  const byId = useMemo(() => new Map<string, NodeExecution>((doc?.nodes ?? []).map((n) => [n.nodeId, n])), [doc]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const n of doc?.nodes ?? []) c.set(n.status, (c.get(n.status) ?? 0) + 1);
    return [...c.entries()];
  }, [doc]);
  const onDrawn = useCallback(() => document.body.setAttribute('data-graph-drawn', String(performance.now())), []);
  const select = useCallback(
    (nodeId: string) => {
      setSelected(nodeId);
      // outputs are not in the events: read the document again for a node that already ended
      if (doc && !isTerminal(doc.status)) refresh();
    },
    [doc, refresh],
  );

  if (error && !doc) {
    return (
      <main className="page">
        <p>
          <Link to="/executions">← Executions</Link>
        </p>
        <ErrorBanner error={error} title={`Could not read execution ${id}`} />
      </main>
    );
  }
  if (!doc) return <main className="page muted">Loading…</main>;

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function cancel() {
    setActionError(null);
    setCancelling(true);
    try {
      await api.cancel(id);
    } catch (err) {
      setActionError(err);
    } finally {
      setCancelling(false);
    }
  }

  const terminal = isTerminal(doc.status);
  const big = (model?.ids.length ?? 0) > CANVAS_THRESHOLD;
  return (
    <main className={`page execution-page${selected ? ' with-panel' : ''}`}>
      <div className="execution-main">
        <p>
          <Link to="/executions">← Executions</Link>
        </p>
        <div className="page-head">
          <h1>
            Execution <span className="mono small">{doc.id}</span>
          </h1>
          <StatusBadge status={doc.status} />
          {live && (
            <span className="live-dot" title="updating live from the event stream">
              live
            </span>
          )}
          <span className="spacer" />
          {canOperate && terminal && doc.status !== 'succeeded' && <RerunButton executionId={doc.id} label="Re-run from failed" />}
          {canOperate && !terminal && (
            <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling}>
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
        </div>
        <ErrorBanner error={actionError} title="The action was refused" />
        <dl className="facts facts-inline">
          <dt>Workflow</dt>
          <dd>
            <Link to={`/workflows/${encodeURIComponent(doc.workflowId)}`} title={doc.workflowId}>
              {definition?.name ?? doc.workflowId}
            </Link>{' '}
            v{doc.workflowVersion}
          </dd>
          <dt>Trigger</dt>
          <dd>{doc.trigger}</dd>
          {doc.priority !== undefined && (
            <>
              <dt>Priority</dt>
              <dd className="priority">{doc.priority}</dd>
            </>
          )}
          {doc.concurrencyKey ? (
            <>
              <dt>Concurrency key</dt>
              <dd className="mono">{doc.concurrencyKey}</dd>
            </>
          ) : null}
          <dt>Started</dt>
          <dd>{formatTime(doc.startedAt)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(elapsed(doc.startedAt, doc.finishedAt, doc.durationMs))}</dd>
          <dt>Nodes</dt>
          <dd>
            {doc.nodes.length.toLocaleString()}{' '}
            {counts.map(([s, c]) => (
              <span key={s} className={`count status-${s}`}>
                {c.toLocaleString()} {s}
              </span>
            ))}
          </dd>
          {doc.rerunOf && (
            <>
              <dt>Re-run of</dt>
              <dd>
                <Link to={`/executions/${encodeURIComponent(doc.rerunOf)}`} className="mono">
                  {doc.rerunOf}
                </Link>
              </dd>
            </>
          )}
          {doc.parentExecutionId && (
            <>
              <dt>Parent</dt>
              <dd>
                <Link to={`/executions/${encodeURIComponent(doc.parentExecutionId)}`} className="mono">
                  {doc.parentExecutionId}
                </Link>
              </dd>
            </>
          )}
        </dl>
        {doc.error && (
          <div className="error-banner" role="alert">
            <strong>{doc.error.type ?? 'Error'}:</strong> {doc.error.message}
          </div>
        )}
        {definition === null && (
          <p className="muted small">Version {doc.workflowVersion} of the workflow cannot be read: nodes are shown without their edges.</p>
        )}
        {model &&
          (big ? (
            <>
              <BigGraphCanvas model={model} byId={byId} selected={selected} onSelect={select} onDrawn={onDrawn} />
              <NodeList ids={model.ids} byId={byId} onSelect={select} selected={selected} />
            </>
          ) : (
            <Suspense fallback={<div className="dag muted">Loading the graph…</div>}>
              <DagView model={model} byId={byId} selected={selected} onSelect={select} onDrawn={onDrawn} />
            </Suspense>
          ))}
        <h2>Timeline</h2>
        <Timeline doc={doc} onSelect={select} selected={selected} />
        <div className="io">
          <section>
            <h2>Inputs</h2>
            <JsonTree value={doc.inputs} label="inputs" />
          </section>
          <section>
            <h2>Outputs</h2>
            {doc.outputs ? <JsonTree value={doc.outputs} label="outputs" /> : <p className="muted">none</p>}
          </section>
        </div>
      </div>
      {selected && (
        <NodePanel
          node={byId.get(selected)}
          nodeId={selected}
          executionId={doc.id}
          definition={definition?.nodes.find((d) => d.id === selected)}
          finished={terminal}
          onClose={() => setSelected(null)}
        />
      )}
    </main>
  );
}
