import assert from 'node:assert/strict';
import { Router } from '@koa/router';
import { assertEveryRouteHasRole } from '../../api/create-app';
import { ROUTE_PERMISSIONS, permissionKey, roleAllows } from '../../api/routes/route-permissions';
import type { RouteRole } from '../../api/routes/route-spec';
import { startApi, type ApiHarness } from './support/api-harness';

/** Every registered route × no key / bad key / viewer / operator / admin. */
describe('API route-by-role matrix', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  /** Every (method, path) on the router, HEAD aside. */
  function registeredRoutes(): Array<{ method: string; path: string }> {
    const out: Array<{ method: string; path: string }> = [];
    for (const layer of api.weft.router.stack) {
      for (const method of layer.methods) if (method !== 'HEAD') out.push({ method, path: String(layer.path) });
    }
    return out;
  }

  it('the router has exactly the routes of the permission table, which covers DESIGN.md', () => {
    const registered = registeredRoutes()
      .map((r) => permissionKey(r.method, r.path))
      .sort();
    assert.deepEqual(registered, Object.keys(ROUTE_PERMISSIONS).sort());
    for (const key of [
      'POST /api/v1/workflows',
      'GET /api/v1/workflows',
      'GET /api/v1/workflows/:id',
      'PUT /api/v1/workflows/:id',
      'DELETE /api/v1/workflows/:id',
      'POST /api/v1/workflows/:id/execute',
      'GET /api/v1/executions/:id',
      'GET /api/v1/executions/:id/nodes',
      'GET /api/v1/executions/:id/nodes/:nodeId/output',
      'POST /api/v1/executions/:id/cancel',
      'POST /api/v1/executions/:id/signals/:name',
      'GET /api/v1/workflows/:id/executions',
      'GET /api/v1/workflows/:id/schedule',
      'GET /api/v1/workflows/:id/versions/:version',
      'GET /api/v1/executions/:id/events',
      'GET /api/v1/executions',
      'GET /api/v1/auth/me',
      'POST /api/v1/executions/:id/rerun',
      'GET /api/v1/executions/:id/children',
      'GET /api/v1/healthz',
      'GET /healthz',
      'GET /api/v1/metrics',
      'GET /api/v1/openapi.json',
      'PUT /api/v1/secrets/:name',
      'GET /api/v1/secrets',
      'DELETE /api/v1/secrets/:name',
      'POST /hooks/:workflowId/:name',
    ]) {
      assert.ok(registered.includes(key), `${key} is missing`);
    }
  });

  it('only /healthz and the webhook route (which checks its own signature or token) are public', () => {
    const publicRoutes = Object.entries(ROUTE_PERMISSIONS)
      .filter(([, r]) => r === 'public')
      .map(([k]) => k);
    assert.deepEqual(publicRoutes.sort(), ['GET /api/v1/healthz', 'GET /healthz', 'POST /hooks/:workflowId/:name']);
  });

  it('walks every route for every caller and gets 401/403 exactly where the table says', async () => {
    const callers: Array<{ name: string; key: string | null; role: RouteRole | null }> = [
      { name: 'no key', key: null, role: null },
      { name: 'bad key', key: 'weft_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', role: null },
      { name: 'viewer', key: api.keys.viewer, role: 'viewer' },
      { name: 'operator', key: api.keys.operator, role: 'operator' },
      { name: 'admin', key: api.keys.admin, role: 'admin' },
    ];
    let checked = 0;
    for (const { method, path } of registeredRoutes()) {
      const required = ROUTE_PERMISSIONS[permissionKey(method, path)]!;
      const concrete = path
        .replace(/:id|:workflowId|:nodeId/g, 'missing_id')
        .replace(/:name/g, 'approve')
        .replace(/:version/g, '1');
      for (const caller of callers) {
        const r = await api.request(method, concrete, { key: caller.key });
        const where = `${caller.name} → ${method} ${path}: ${r.status} ${r.text.slice(0, 120)}`;
        assert.notEqual(r.status, 500, where);
        // a webhook of a workflow that does not exist: 404 for everyone, whatever key is sent
        if (path.startsWith('/hooks/')) assert.equal(r.status, 404, where);
        else if (required === 'public') assert.equal(r.status, 200, where);
        else if (caller.role === null) {
          assert.equal(r.status, 401, where);
          assert.equal(r.body.error.code, 'WF_UNAUTHORIZED', where);
          assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/, where);
        } else if (!roleAllows(caller.role, required)) {
          assert.equal(r.status, 403, where);
          assert.equal(r.body.error.code, 'WF_FORBIDDEN', where);
        } else assert.ok(r.status !== 401 && r.status !== 403, where);
        checked++;
      }
    }
    assert.equal(checked, Object.keys(ROUTE_PERMISSIONS).length * callers.length);
  });

  it('keeps every secrets route to admin keys (viewer and operator get 403)', async () => {
    for (const key of ['PUT /api/v1/secrets/:name', 'GET /api/v1/secrets', 'DELETE /api/v1/secrets/:name']) {
      assert.equal(ROUTE_PERMISSIONS[key], 'admin', key);
      const [method, path] = key.split(' ') as [string, string];
      for (const caller of [api.keys.viewer, api.keys.operator]) {
        const r = await api.request(method, path.replace(':name', 'API_TOKEN'), {
          key: caller,
          body: method === 'PUT' ? { value: 'a-long-enough-value' } : undefined,
        });
        assert.equal(r.status, 403, `${key}: ${r.text}`);
      }
    }
  });

  it('refuses at startup a route that has no role in the table, and a table entry without a route', () => {
    const extra = new Router();
    for (const key of Object.keys(ROUTE_PERMISSIONS)) {
      const [method, path] = key.split(' ') as [string, string];
      extra.register(path, [method], [async () => {}]);
    }
    assert.doesNotThrow(() => assertEveryRouteHasRole(extra));
    extra.get('/api/v1/admin/secrets', async () => {});
    assert.throws(() => assertEveryRouteHasRole(extra), /GET \/api\/v1\/admin\/secrets has no role/);
    const partial = new Router();
    partial.get('/healthz', async () => {});
    assert.throws(() => assertEveryRouteHasRole(partial), /lists .* which is not a route/);
  });
});
