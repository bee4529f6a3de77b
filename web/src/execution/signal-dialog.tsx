import { JsonDialog } from '../components/json-dialog';
import { useSession } from '../session-context';

/** "Send signal": an optional JSON payload for a `wait` node waiting on `name`. */
export function SignalDialog({ executionId, name, onClose }: { executionId: string; name: string; onClose: () => void }) {
  const { api } = useSession();
  return (
    <JsonDialog
      title={
        <>
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
