import { useState } from 'react';
import { ErrorBanner } from '../components/error-banner';
import { navigate } from '../router';
import { useSession } from '../session-context';

/**
 * "Re-run" of a finished execution, from its failed nodes (no `fromNode`) or from `fromNode`,
 * on the pinned or the latest workflow version; on 202 the new execution's page opens.
 */
export function RerunButton({ executionId, fromNode, label }: { executionId: string; fromNode?: string; label: string }) {
  const { api } = useSession();
  const [version, setVersion] = useState<'pinned' | 'latest'>('pinned');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function rerun() {
    setError(null);
    setBusy(true);
    try {
      const started = await api.rerun(executionId, { ...(fromNode ? { fromNodes: [fromNode] } : {}), version });
      navigate(`/executions/${encodeURIComponent(started.executionId)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <span className="rerun">
      <select aria-label={`${label}: workflow version`} value={version} onChange={(e) => setVersion(e.target.value as 'pinned' | 'latest')}>
        <option value="pinned">same version</option>
        <option value="latest">latest version</option>
      </select>
      <button type="button" onClick={() => void rerun()} disabled={busy}>
        {busy ? 'Starting…' : label}
      </button>
      <ErrorBanner error={error} title="The re-run was refused" />
    </span>
  );
}
