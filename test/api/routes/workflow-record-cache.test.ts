import assert from 'node:assert/strict';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import { WorkflowRecordCache } from '../../../api/routes/workflow-record-cache';
import { echoWorkflow, startApi } from '../support/api-harness';

describe('WorkflowRecordCache', () => {
  it('reuses a record within the TTL, forgets it on invalidate and after the TTL', async () => {
    const store = new InMemoryWorkflowStore();
    const rec = await store.create(echoWorkflow('c') as never);
    let now = 5_000; // a real clock never reads 0
    const cache = new WorkflowRecordCache(store, 1_000, 10, () => now);
    const a = await cache.get(rec.id);
    assert.equal(await cache.get(rec.id), a, 'same object: the executor validates it once');
    await store.update(rec.id, { ...echoWorkflow('c'), description: 'v2' } as never);
    assert.equal((await cache.get(rec.id))!.version, 1);
    cache.invalidate(rec.id);
    assert.equal((await cache.get(rec.id))!.version, 2);
    await store.update(rec.id, echoWorkflow('c') as never);
    now += 1_001;
    assert.equal((await cache.get(rec.id))!.version, 3);
    assert.equal(await cache.get('wf_missing'), null);
  });

  it('execute runs the new version at once after PUT and 404s at once after DELETE', async () => {
    const api = await startApi();
    try {
      const id = await api.createWorkflow(echoWorkflow('cached'));
      assert.equal((await api.request('POST', `/api/v1/workflows/${id}/execute`, { body: { wait: true } })).body.workflowVersion, 1);
      await api.request('PUT', `/api/v1/workflows/${id}`, { body: { ...echoWorkflow('cached'), variables: { msg: 'v2' } } });
      const v2 = await api.request('POST', `/api/v1/workflows/${id}/execute`, { body: { wait: true } });
      assert.equal(v2.body.workflowVersion, 2);
      assert.deepEqual(v2.body.outputs, { said: 'v2' });
      assert.equal((await api.request('DELETE', `/api/v1/workflows/${id}`)).status, 204);
      assert.equal((await api.request('POST', `/api/v1/workflows/${id}/execute`, { body: {} })).status, 404);
      // executions of a deleted workflow stay readable
      assert.equal((await api.request('GET', `/api/v1/executions/${v2.body.id}`)).status, 200);
    } finally {
      await api.close();
    }
  });
});
