import { JsonDialog } from '../components/json-dialog';
import { navigate } from '../router';
import { useSession } from '../session-context';

/** "Run": inputs as a JSON object, then the new execution's page. */
export function RunDialog({ workflowId, variables, onClose }: { workflowId: string; variables: unknown; onClose: () => void }) {
  const { api } = useSession();
  return (
    <JsonDialog
      title="Run workflow"
      label="Inputs (JSON object, merged over the workflow's variables)"
      initialText={JSON.stringify(variables && typeof variables === 'object' ? variables : {}, null, 2)}
      rows={10}
      submitLabel="Run"
      busyLabel="Starting…"
      refusedTitle="Could not start"
      accept={(inputs = {}) => {
        if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) throw new Error('Inputs must be a JSON object');
        return inputs;
      }}
      onSubmit={async (inputs) => {
        const started = await api.execute(workflowId, inputs as Record<string, unknown>);
        navigate(`/executions/${encodeURIComponent(started.executionId)}`);
      }}
      onClose={onClose}
    />
  );
}
