import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorBanner } from '../components/error-banner';
import { useSession } from '../session-context';

/** "Send signal": an optional JSON payload for a `wait` node waiting on `name`. */
export function SignalDialog({ executionId, name, onClose }: { executionId: string; name: string; onClose: () => void }) {
  const { api } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function submit(e: FormEvent) {
    e.preventDefault();
    let payload: unknown;
    try {
      payload = text.trim() ? JSON.parse(text) : undefined;
    } catch (err) {
      return setError(new Error(`The payload is not valid JSON: ${(err as Error).message}`));
    }
    setBusy(true);
    try {
      await api.signal(executionId, name, payload);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="signal-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="signal-title">
          Send signal <span className="mono">{name}</span>
        </h2>
        <label htmlFor="signal-payload">Payload (JSON, optional)</label>
        <textarea id="signal-payload" rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} className="mono" />
        <ErrorBanner error={error} title="The signal was refused" />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
