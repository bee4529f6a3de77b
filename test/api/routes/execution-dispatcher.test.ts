import assert from 'node:assert/strict';
import { bind, Tokens, type ExecutionDispatcher, type Kernel } from '../../../core/index';
import { InMemoryApiKeyStore } from '../../../core/store/in-memory-api-key-store';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import { echoWorkflow, startApi, type ApiHarness } from '../support/api-harness';

/**
 * Queue mode: `execute` goes through the bound ExecutionDispatcher, which here hands the run to
 * "another worker" (the executor, started a little later, with no `done` given back) — so the
 * API must answer 202 `pending` and, with `wait`, find the end through the store.
 */
describe('API execute through an ExecutionDispatcher (queue mode)', () => {
  let api: ApiHarness;
  const dispatched: string[] = [];
  before(async () => {
    let kernel: Kernel | null = null;
    const dispatcher: ExecutionDispatcher = {
      async dispatch(definition, options) {
        const executionId = `0190bbbb-0000-7000-8000-${String(dispatched.length).padStart(12, '0')}`;
        dispatched.push(executionId);
        // models a queue: a worker starts the execution some time after the API has answered
        // (the latency is the subject here, not a wait for something to have happened)
        setTimeout(() => void kernel!.executor.start(definition, { ...options, executionId }), 50);
        return { executionId, created: true };
      },
    };
    api = await startApi({
      services: [
        bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()),
        bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()),
        bind(Tokens.ExecutionDispatcher, () => dispatcher),
      ],
    });
    kernel = api.kernel;
  });
  after(() => api.close());

  it('answers 202 pending, and with wait the finished document from the store', async () => {
    const wf = await api.createWorkflow(echoWorkflow('queued'));
    const r = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { executionId: dispatched[0], status: 'pending' });
    const waited = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: { wait: true, inputs: { msg: 'q' } } });
    assert.equal(waited.status, 200);
    assert.equal(waited.body.id, dispatched[1]);
    assert.equal(waited.body.status, 'succeeded');
    assert.deepEqual(waited.body.outputs, { said: 'q' });
  });
});
