import assert from 'node:assert/strict';
import { bind, Tokens, type ScheduleDefinition, type ScheduleService, type WorkflowRecord } from '../../core/index';
import { InMemoryApiKeyStore } from '../../core/store/in-memory-api-key-store';
import { InMemoryWorkflowStore } from '../../core/store/in-memory-workflow-store';
import { echoWorkflow, startApi, type ApiHarness } from './support/api-harness';

/**
 * A ScheduleService that records what the API asks of it (the real scheduler has its own suite;
 * here the API's part of the contract is under test: validate on save, sync, remove, next fires).
 */
class RecordingScheduleService implements ScheduleService {
  readonly calls: string[] = [];
  validate(s: ScheduleDefinition) {
    return 'cron' in s && s.cron === 'not a cron' ? [{ path: 'schedule.cron', message: 'invalid cron expression' }] : [];
  }
  nextFireTimes(_s: ScheduleDefinition, count: number): string[] {
    return Array.from({ length: count }, (_, i) => `2030-01-01T00:0${i}:00.000+01:00`);
  }
  sync(record: WorkflowRecord): void {
    this.calls.push(`sync ${record.id} v${record.version} ${record.schedule ? 'scheduled' : 'none'}`);
  }
  remove(id: string): void {
    this.calls.push(`remove ${id}`);
  }
  async start() {}
  async stop() {}
}

describe('API workflows routes', () => {
  let api: ApiHarness;
  let schedules: RecordingScheduleService;
  before(async () => {
    schedules = new RecordingScheduleService();
    api = await startApi({
      services: [
        bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()),
        bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()),
        bind(Tokens.ScheduleService, () => schedules),
      ],
    });
  });
  after(() => api.close());

  it('creates (201 { id, version } + Location), reads, updates to version 2, deletes (204) and then 404s', async () => {
    const created = await api.request('POST', '/api/v1/workflows', { body: echoWorkflow('crud') });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body).sort(), ['id', 'version']);
    assert.equal(created.body.version, 1);
    const id: string = created.body.id;
    assert.equal(created.headers.get('location'), `/api/v1/workflows/${id}`);

    const read = await api.request('GET', `/api/v1/workflows/${id}`, { key: api.keys.viewer });
    assert.equal(read.status, 200);
    assert.equal(read.body.id, id);
    assert.equal(read.body.name, 'crud');
    assert.equal(read.body.version, 1);
    assert.deepEqual(read.body.definition, echoWorkflow('crud'));

    const v2 = { ...echoWorkflow('crud'), description: 'second' };
    const updated = await api.request('PUT', `/api/v1/workflows/${id}`, { body: v2 });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body, { id, version: 2 });
    assert.equal((await api.request('GET', `/api/v1/workflows/${id}`)).body.definition.description, 'second');

    const del = await api.request('DELETE', `/api/v1/workflows/${id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const gone = await api.request('GET', `/api/v1/workflows/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'WF_NOT_FOUND');
    assert.equal((await api.request('DELETE', `/api/v1/workflows/${id}`)).status, 404);
    assert.equal((await api.request('PUT', `/api/v1/workflows/${id}`, { body: v2 })).status, 404);
    assert.deepEqual(
      schedules.calls.filter((c) => c.includes(id)),
      [`sync ${id} v1 none`, `sync ${id} v2 none`, `remove ${id}`],
    );
  });

  it('GET /workflows/:id/versions/:version reads each saved version (viewer), after a delete too; 404 unknown, 400 not a number', async () => {
    const id = await api.createWorkflow(echoWorkflow('versions'));
    const v2 = { ...echoWorkflow('versions'), description: 'second' };
    assert.equal((await api.request('PUT', `/api/v1/workflows/${id}`, { body: v2 })).status, 200);
    const one = await api.request('GET', `/api/v1/workflows/${id}/versions/1`, { key: api.keys.viewer });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { id, version: 1, definition: echoWorkflow('versions') });
    const two = await api.request('GET', `/api/v1/workflows/${id}/versions/2`, { key: api.keys.viewer });
    assert.deepEqual(two.body, { id, version: 2, definition: v2 });
    const three = await api.request('GET', `/api/v1/workflows/${id}/versions/3`, { key: api.keys.viewer });
    assert.equal(three.status, 404);
    assert.equal(three.body.error.code, 'WF_NOT_FOUND');
    assert.equal((await api.request('GET', `/api/v1/workflows/nope/versions/1`, { key: api.keys.viewer })).status, 404);
    const bad = await api.request('GET', `/api/v1/workflows/${id}/versions/latest`, { key: api.keys.viewer });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.error.details), /version/);
    // executions stay readable after a delete, and so does the version they pinned
    assert.equal((await api.request('DELETE', `/api/v1/workflows/${id}`)).status, 204);
    const kept = await api.request('GET', `/api/v1/workflows/${id}/versions/1`, { key: api.keys.viewer });
    assert.equal(kept.status, 200);
    assert.equal(kept.body.definition.name, 'versions');
  });

  it('rejects invalid workflows with 400 and details naming paths in the body', async () => {
    const unknownType = await api.request('POST', '/api/v1/workflows', { body: { name: 'x', nodes: [{ id: 'a', type: 'nope' }] } });
    assert.equal(unknownType.status, 400);
    assert.equal(unknownType.body.error.code, 'WF_VALIDATION');
    assert.ok(
      unknownType.body.error.details.some((d: { path: string }) => d.path === 'body.nodes[0].type'),
      unknownType.text,
    );

    const cycle = await api.request('POST', '/api/v1/workflows', {
      body: {
        name: 'cyc',
        nodes: ['a', 'b'].map((id) => ({ id, type: 'tool', config: { tool: 'core.echo', input: {} } })),
        edges: [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      },
    });
    assert.equal(cycle.status, 400);
    assert.match(JSON.stringify(cycle.body.error.details), /a → b → a|b → a → b/);

    const schema = await api.request('POST', '/api/v1/workflows', { body: { name: '', nodes: [], extra: 1 } });
    assert.equal(schema.status, 400);
    const paths = schema.body.error.details.map((d: { path: string }) => d.path);
    for (const p of ['body.name', 'body.nodes', 'body.extra']) assert.ok(paths.includes(p), `${p} in ${paths}`);

    const template = await api.request('POST', '/api/v1/workflows', {
      body: { name: 't', nodes: [{ id: 'a', type: 'tool', config: { tool: 'core.echo', input: '{{ variables.x ' } }] },
    });
    assert.equal(template.status, 400);
    assert.ok(
      template.body.error.details.some((d: { path: string }) => d.path.startsWith('body.nodes[0]')),
      template.text,
    );
  });

  it('validates schedules through the ScheduleService when saving, syncs them, and serves the next ten fire times', async () => {
    const bad = await api.request('POST', '/api/v1/workflows', { body: { ...echoWorkflow('sched'), schedule: { cron: 'not a cron' } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details, [{ path: 'body.schedule.cron', message: 'invalid cron expression' }]);

    const id = await api.createWorkflow({ ...echoWorkflow('sched'), schedule: { cron: '0 * * * * *', timezone: 'Europe/Paris' } });
    assert.ok(schedules.calls.includes(`sync ${id} v1 scheduled`));
    const s = await api.request('GET', `/api/v1/workflows/${id}/schedule`, { key: api.keys.viewer });
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.schedule, { cron: '0 * * * * *', timezone: 'Europe/Paris' });
    assert.equal(s.body.nextFireTimes.length, 10);

    const plain = await api.createWorkflow(echoWorkflow('unscheduled'));
    const none = await api.request('GET', `/api/v1/workflows/${plain}/schedule`);
    assert.equal(none.status, 404);
    assert.match(none.body.error.message, /no schedule/);
    assert.equal((await api.request('GET', '/api/v1/workflows/wf_missing/schedule')).status, 404);
  });

  it('lists with keyset pagination and rejects tampered cursors and bad limits', async () => {
    for (let i = 0; i < 3; i++) await api.createWorkflow(echoWorkflow(`page-${i}`));
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await api.request('GET', `/api/v1/workflows${q}`, { key: api.keys.viewer });
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      for (const item of page.body.items) {
        assert.equal(item.definition, undefined, 'list entries leave the definition out');
        assert.ok(!seen.has(item.id), 'no item twice');
        seen.add(item.id);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    assert.ok(seen.size >= 3);
    assert.ok(pages >= 2);

    const first = await api.request('GET', '/api/v1/workflows?limit=1');
    const tampered = `${first.body.nextCursor.slice(0, -2)}xx`;
    const bad = await api.request('GET', `/api/v1/workflows?cursor=${encodeURIComponent(tampered)}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details, [{ path: 'query.cursor', message: 'malformed or tampered cursor' }]);
    for (const limit of ['0', '201', '-1', '1.5', 'ten', '1;DROP TABLE workflows']) {
      const r = await api.request('GET', `/api/v1/workflows?limit=${encodeURIComponent(limit)}`);
      assert.equal(r.status, 400, limit);
      assert.equal(r.body.error.details[0].path, 'query.limit', limit);
    }
    const unknown = await api.request('GET', '/api/v1/workflows?sort=name');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].path, 'query.sort');
  });
});
