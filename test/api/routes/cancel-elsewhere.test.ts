import assert from 'node:assert/strict';
import { bind, Kernel, Tokens, type ExecutionDispatcher, type ExecutionDocument, type WorkflowDefinition } from '../../../core/index';
import { InMemoryApiKeyStore } from '../../../core/store/in-memory-api-key-store';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import toolPlugin from '../../../plugins/tool';
import { sleepWorkflow, startApi, type ApiHarness } from '../support/api-harness';
import { waitFor } from '../../support/wait-for';

/**
 * `POST /executions/:id/cancel` for executions this API process does not run: queue mode, where
 * the dispatcher records executions `pending` and a worker (here a second kernel on the same
 * stores, standing for another process) claims them later.
 */
describe('API cancel of executions another process runs or has yet to claim', () => {
  const executions = new InMemoryExecutionStore();
  const workflows = new InMemoryWorkflowStore();
  const queued: Array<{ id: string; definition: WorkflowDefinition }> = [];
  let api: ApiHarness;
  let worker: Kernel;

  before(async () => {
    let n = 0;
    const dispatcher: ExecutionDispatcher = {
      async dispatch(definition, options) {
        const id = `0190cccc-0000-7000-8000-${String(++n).padStart(12, '0')}`;
        await executions.startExecution({
          id,
          workflowId: options.workflowId!,
          workflowVersion: options.workflowVersion ?? 1,
          trigger: options.trigger ?? 'api',
          inputs: options.inputs ?? {},
          startedAt: new Date().toISOString(),
          definition,
          status: 'pending',
        });
        queued.push({ id, definition });
        return { executionId: id, created: true };
      },
    };
    const shared = [bind(Tokens.ExecutionStore, () => executions), bind(Tokens.WorkflowStore, () => workflows)];
    api = await startApi({
      services: [...shared, bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()), bind(Tokens.ExecutionDispatcher, () => dispatcher)],
    });
    worker = Kernel.create({ plugins: [toolPlugin], services: shared });
  });
  after(async () => {
    await api.close();
    await worker.stop();
  });

  /** What a `weft worker` does with a claimed job: resume the recorded execution. */
  const claim = async (id: string) => {
    const job = queued.find((q) => q.id === id)!;
    const doc = (await executions.getExecution(id))!;
    return worker.executor.start(job.definition, {
      executionId: id,
      workflowId: doc.workflowId,
      workflowVersion: doc.workflowVersion,
      resume: { startedAt: doc.startedAt!, nodes: [] },
    });
  };

  it('cancels a queued execution at once (202): every node cancelled, and the worker that claims it later does not run it', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(10_000, 'queued-cancel'));
    const started = await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} });
    assert.deepEqual(started.body.status, 'pending');
    const id: string = started.body.executionId;
    const cancel = await api.request('POST', `/api/v1/executions/${id}/cancel`, {
      key: api.keys.operator,
      body: { reason: 'queued too long' },
    });
    assert.equal(cancel.status, 202, cancel.text);
    assert.deepEqual(cancel.body, { executionId: id, cancelRequested: true });
    const doc: ExecutionDocument = (await api.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.error!.message, 'queued too long');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status, n.attempts]),
      [
        ['a', 'cancelled', 0],
        ['b', 'cancelled', 0],
      ],
    );
    await assert.rejects(claim(id), { code: 'WF_CONFLICT' });
    assert.equal(worker.executor.activeCount, 0);
    const again = await api.request('POST', `/api/v1/executions/${id}/cancel`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /already finished \(cancelled\)/);
  });

  it('cancels an execution a worker runs (202, no longer 409 "not running in this process"): its running node ends cancelled', async () => {
    const wf = await api.createWorkflow(sleepWorkflow(20_000, 'worker-cancel'));
    const id: string = (await api.request('POST', `/api/v1/workflows/${wf}/execute`, { body: {} })).body.executionId;
    const handle = await claim(id);
    await waitFor(
      async () => (await executions.listNodeExecutions(id)).some((n) => n.nodeId === 'a' && n.status === 'running'),
      'node a to run in the worker',
    );
    assert.equal(api.kernel.executor.isActive(id), false, 'the API process does not run it');
    const cancel = await api.request('POST', `/api/v1/executions/${id}/cancel`, { key: api.keys.operator });
    assert.equal(cancel.status, 202, cancel.text);
    assert.deepEqual(cancel.body, { executionId: id, cancelRequested: true });
    const done = await handle.done;
    assert.equal(done.status, 'cancelled');
    const doc: ExecutionDocument = (await api.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.error!.message, 'cancelled through the API');
    assert.deepEqual(
      doc.nodes.map((n) => [n.nodeId, n.status]),
      [
        ['a', 'cancelled'],
        ['b', 'cancelled'],
      ],
    );
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/cancel`)).status, 409);
    assert.equal((await api.request('POST', '/api/v1/executions/0190cccc-0000-7000-8000-999999999999/cancel')).status, 404);
    assert.equal((await api.request('POST', `/api/v1/executions/${id}/cancel`, { key: api.keys.viewer })).status, 403);
  });
});
