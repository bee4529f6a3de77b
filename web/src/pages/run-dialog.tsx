import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorBanner } from '../components/error-banner';
import { navigate } from '../router';
import { useSession } from '../session-context';

/** "Run": inputs as a JSON object, then the new execution's page. */
export function RunDialog({ workflowId, variables, onClose }: { workflowId: string; variables: unknown; onClose: () => void }) {
  const { api } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState(() => JSON.stringify(variables && typeof variables === 'object' ? variables : {}, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function submit(e: FormEvent) {
    e.preventDefault();
    let inputs: unknown;
    try {
      inputs = text.trim() ? JSON.parse(text) : {};
    } catch (err) {
      return setError(new Error(`Inputs are not valid JSON: ${(err as Error).message}`));
    }
    if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) return setError(new Error('Inputs must be a JSON object'));
    setBusy(true);
    try {
      const started = await api.execute(workflowId, inputs as Record<string, unknown>);
      onClose();
      navigate(`/executions/${encodeURIComponent(started.executionId)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="run-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="run-title">Run workflow</h2>
        <label htmlFor="run-inputs">Inputs (JSON object, merged over the workflow's variables)</label>
        <textarea id="run-inputs" rows={10} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} className="mono" />
        <ErrorBanner error={error} title="Could not start" />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Run'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
