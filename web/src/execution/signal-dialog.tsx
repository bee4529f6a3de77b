import { JsonDialog } from '../components/json-dialog';
import { useSession } from '../session-context';

/** "Send signal": an optional JSON payload for a `wait` node waiting on `name`. */
export function SignalDialog({ executionId, name, onClose }: { executionId: string; name: string; onClose: () => void }) {
  const { api } = useSession();
<<<<<<< HEAD
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
=======
  return (
    <JsonDialog
      title={
        <>
>>>>>>> console
          Send signal <span className="mono">{name}</span>
        </>
      }
      label="Payload (JSON, optional)"
      submitLabel="Send"
      busyLabel="Sending…"
      refusedTitle="The signal was refused"
      accept={(payload) => payload}
      onSubmit={async (payload) => void (await api.signal(executionId, name, payload))}
      onClose={onClose}
    />
  );
}
