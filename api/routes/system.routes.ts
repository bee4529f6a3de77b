import { Type } from '@sinclair/typebox';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type RouteSpec } from './route-spec';

const HealthSchema = Type.Object({ status: Type.Literal('ok') });

/** Liveness, metrics and the OpenAPI document. `/healthz` is also served at the root for probes. */
export function systemRoutes(deps: RouteDeps): RouteSpec[] {
  const health = (path: string, operationId: string): RouteSpec => ({
    method: 'GET',
    path,
    operationId,
    summary: 'Liveness (no key needed)',
    tag: 'system',
    responses: { 200: { description: 'the process serves requests', schema: HealthSchema } },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
    },
  });
  return [
    health('/healthz', 'healthzRoot'),
    health(`${API_PREFIX}/healthz`, 'healthz'),
    {
      method: 'GET',
      path: `${API_PREFIX}/metrics`,
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tag: 'system',
      responses: { 200: { description: 'metrics', contentType: 'text/plain' } },
      async handler(ctx) {
        const { contentType, body } = await deps.metrics.render();
        ctx.type = contentType;
        ctx.body = body;
      },
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/openapi.json`,
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'system',
      responses: { 200: { description: 'the OpenAPI document' } },
      async handler(ctx) {
        ctx.body = deps.openapi();
      },
    },
  ];
}
