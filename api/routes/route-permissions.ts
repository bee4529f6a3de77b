import type { RouteRole } from './route-spec';

/**
 * The required role of every route, in one table: a route missing here (or an entry without a
 * route) stops the app at startup, and the route-by-role test walks the router against it.
 * `viewer` reads, `operator` also executes and cancels, `admin` may do everything.
 */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteRole>> = Object.freeze({
  'GET /healthz': 'public',
  'GET /api/v1/healthz': 'public',
  'GET /api/v1/metrics': 'viewer',
  'GET /api/v1/openapi.json': 'viewer',
  'POST /api/v1/workflows': 'admin',
  'GET /api/v1/workflows': 'viewer',
  'GET /api/v1/workflows/:id': 'viewer',
  'PUT /api/v1/workflows/:id': 'admin',
  'DELETE /api/v1/workflows/:id': 'admin',
  'POST /api/v1/workflows/:id/execute': 'operator',
  'GET /api/v1/workflows/:id/executions': 'viewer',
  'GET /api/v1/workflows/:id/schedule': 'viewer',
  'GET /api/v1/workflows/:id/versions/:version': 'viewer',
  'GET /api/v1/auth/me': 'viewer',
  'GET /api/v1/executions': 'viewer',
  'GET /api/v1/executions/:id': 'viewer',
  'GET /api/v1/executions/:id/nodes': 'viewer',
  'GET /api/v1/executions/:id/nodes/:nodeId/output': 'viewer',
  'POST /api/v1/executions/:id/cancel': 'operator',
  'POST /api/v1/executions/:id/signals/:name': 'operator',
  'GET /api/v1/executions/:id/events': 'viewer',
  'PUT /api/v1/secrets/:name': 'admin',
  'GET /api/v1/secrets': 'admin',
  'DELETE /api/v1/secrets/:name': 'admin',
  // no API key: a webhook authenticates with its trigger's secret (HMAC signature or bearer token)
  'POST /hooks/:workflowId/:name': 'public',
  'POST /api/v1/executions/:id/rerun': 'operator',
  'GET /api/v1/executions/:id/children': 'viewer',
});

const RANK: Record<RouteRole, number> = { public: 0, viewer: 1, operator: 2, admin: 3 };

/** Whether a key of `role` may call a route that requires `required`. */
export function roleAllows(role: RouteRole, required: RouteRole): boolean {
  return RANK[role] >= RANK[required];
}

/** The table key of a route. */
export function permissionKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
