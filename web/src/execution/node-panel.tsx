import { useState } from 'react';
import type { ErrorRecord, NodeExecution, WorkflowNode } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { elapsed, formatDuration, formatTime } from '../components/format';
import { JsonTree } from '../components/json-tree';
import { StatusBadge } from '../components/status-badge';
import { Link } from '../router';
import { useSession } from '../session-context';
import { ChildExecutions } from './child-executions';
import { RerunButton } from './rerun-button';
import { SignalDialog } from './signal-dialog';

interface NodePanelProps {
  node: NodeExecution | undefined;
  nodeId: string;
  executionId: string;
  /** The node as the definition declares it (its type and config), when the workflow is known. */
  definition?: WorkflowNode;
  /** The execution has finished: it can be re-run. */
  finished: boolean;
  onClose: () => void;
}

/** The selected node: status, timing, actions, map progress, children, input, output, error and every attempt. */
export function NodePanel({ node, nodeId, executionId, definition, finished, onClose }: NodePanelProps) {
  const { canOperate } = useSession();
  const [signalling, setSignalling] = useState(false);
  const n: NodeExecution = node ?? {
    nodeId,
    status: 'pending',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    error: null,
    recoveredBy: null,
    skipReason: null,
  };
  const attempts = n.attemptErrors ?? [];
  const input = n.error?.input ?? (n as { input?: unknown }).input;
  const signal = definition?.type === 'wait' ? (definition.config as { signal?: unknown } | undefined)?.signal : undefined;
  const canSignal = canOperate && !finished && n.status === 'waiting' && typeof signal === 'string' && signal !== '';
  return (
    <aside className="node-panel" aria-label={`Node ${nodeId}`}>
      <div className="panel-head">
        <h2 className="mono">{nodeId}</h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close node panel">
          ✕
        </button>
      </div>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={n.status} />
        </dd>
        <dt>Attempts</dt>
        <dd data-testid="attempts">{n.attempts}</dd>
        <dt>Started</dt>
        <dd>{formatTime(n.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(n.finishedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(n.startedAt, n.finishedAt, n.durationMs))}</dd>
        {n.skipReason && (
          <>
            <dt>Skip reason</dt>
            <dd>{n.skipReason}</dd>
          </>
        )}
        {n.recoveredBy && (
          <>
            <dt>Recovered by</dt>
            <dd className="mono">{n.recoveredBy}</dd>
          </>
        )}
        {n.fallbackFor && (
          <>
            <dt>Fallback for</dt>
            <dd className="mono">{n.fallbackFor}</dd>
          </>
        )}
        {n.reusedFrom && (
          <>
            <dt>Reused from</dt>
            <dd>
              <Link to={`/executions/${encodeURIComponent(n.reusedFrom)}`} className="mono">
                {n.reusedFrom}
              </Link>
            </dd>
          </>
        )}
        {n.branch && (
          <>
            <dt>Branch</dt>
            <dd>{n.branch}</dd>
          </>
        )}
        {n.progress && (
          <>
            <dt>Items</dt>
            <dd data-testid="map-progress">
              {n.progress.done.toLocaleString()} / {n.progress.total.toLocaleString()} done
              {n.progress.failed > 0 && <span className="count status-failed">{n.progress.failed.toLocaleString()} failed</span>}
            </dd>
          </>
        )}
      </dl>
      {canOperate && (finished || canSignal) && (
        <div className="panel-actions">
          {finished && <RerunButton executionId={executionId} fromNode={nodeId} label="Re-run from this node" />}
          {canSignal && (
            <button type="button" onClick={() => setSignalling(true)}>
              Send signal
            </button>
          )}
        </div>
      )}
      {signalling && typeof signal === 'string' && (
        <SignalDialog executionId={executionId} name={signal} onClose={() => setSignalling(false)} />
      )}
      {/* only these types start child executions; an unknown definition (deleted workflow) may be one */}
      {(!definition || definition.type === 'workflow' || definition.type === 'map') && (
        <ChildExecutions executionId={executionId} nodeId={nodeId} refreshKey={n.status} />
      )}
      {n.error && (
        <section>
          <h3>Error</h3>
          <ErrorDetails error={n.error} />
        </section>
      )}
      {attempts.length > 0 && (
        <section>
          <h3>Attempts</h3>
          <ol className="attempts" aria-label="Attempts">
            {attempts.map((a, i) => (
              <li key={i}>
                <span className="muted">attempt {a.attempt ?? i + 1}:</span> <ErrorDetails error={a} compact />
              </li>
            ))}
          </ol>
        </section>
      )}
      {input !== undefined && (
        <section>
          <h3>Input snapshot</h3>
          <JsonTree value={input} open={false} label="input" />
        </section>
      )}
      <section>
        <h3>Output</h3>
        <Output value={n.output} executionId={executionId} />
      </section>
    </aside>
  );
}

function ErrorDetails({ error, compact = false }: { error: ErrorRecord; compact?: boolean }) {
  return (
    <div className="error-details">
      <div>
        <strong>{error.type ?? 'Error'}</strong>
        {error.code && <code className="small"> {error.code}</code>}: <span className="error-message">{error.message}</span>
      </div>
      {!compact && error.retryable !== undefined && <div className="small muted">retryable: {String(error.retryable)}</div>}
      {error.stack && (
        <details>
          <summary>stack</summary>
          <pre className="code-block small">{error.stack}</pre>
        </details>
      )}
    </div>
  );
}

/** Inline outputs as a folded tree; outputs stored apart (`$ref`) load on request. */
function Output({ value }: { value: unknown; executionId: string }) {
  const { api } = useSession();
  const [loaded, setLoaded] = useState<{ value: unknown } | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (value === undefined || value === null) return <p className="muted">{value === null ? 'null' : 'none yet'}</p>;
  const ref = value as { $ref?: unknown; bytes?: unknown };
  if (typeof ref.$ref === 'string' && !loaded) {
    return (
      <div>
        <p className="muted">Stored apart ({Number(ref.bytes ?? 0).toLocaleString()} bytes).</p>
        <button type="button" onClick={() => void api.nodeOutput(ref.$ref as string).then((v) => setLoaded({ value: v }), setError)}>
          Load output
        </button>
        <ErrorBanner error={error} title="Could not load the output" />
      </div>
    );
  }
  // a loaded `$ref` output is large by definition: it opens folded
  return loaded ? <JsonTree value={loaded.value} label="output" open={false} /> : <JsonTree value={value} label="output" />;
}
