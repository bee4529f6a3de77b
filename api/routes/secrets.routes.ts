import { Type } from '@sinclair/typebox';
import { checkSecret, MAX_SECRET_BYTES, NotFoundError, SECRET_NAME_PATTERN } from '../../core/index';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type RouteSpec } from './route-spec';

const NameParamsSchema = Type.Object({ name: Type.String({ pattern: SECRET_NAME_PATTERN }) }, { additionalProperties: false });
const SecretBodySchema = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: MAX_SECRET_BYTES }) },
  { additionalProperties: false },
);
const SecretListSchema = Type.Object({
  items: Type.Array(
    Type.Object({ name: Type.String(), createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) }),
  ),
});

/** Secrets (admin only): values go in, never out. */
export function secretRoutes(deps: RouteDeps): RouteSpec[] {
  const base = `${API_PREFIX}/secrets`;
  return [
    {
      method: 'PUT',
      path: `${base}/:name`,
      operationId: 'putSecret',
      summary: 'Create or replace a secret (the value is stored encrypted and never returned; nodes that start afterwards use it)',
      tag: 'secrets',
      params: NameParamsSchema,
      body: SecretBodySchema,
      responses: { 204: { description: 'stored' } },
      async handler(ctx) {
        const name: string = ctx.state.params.name;
        const value: string = ctx.state.body.value;
        checkSecret(name, value, 'body.value');
        await deps.secrets.set(name, value);
        ctx.state.log.info({ secret: name }, 'secret stored');
        ctx.status = 204;
      },
    },
    {
      method: 'GET',
      path: base,
      operationId: 'listSecrets',
      summary: 'Secret names and timestamps (never values)',
      tag: 'secrets',
      responses: { 200: { description: 'the secrets', schema: SecretListSchema } },
      async handler(ctx) {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { items: await deps.secrets.list() };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:name`,
      operationId: 'deleteSecret',
      summary: 'Delete a secret (nodes that start afterwards and use it fail with WF_SECRET_NOT_FOUND)',
      tag: 'secrets',
      params: NameParamsSchema,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such secret' } },
      async handler(ctx) {
        const name: string = ctx.state.params.name;
        if (!(await deps.secrets.delete(name))) throw new NotFoundError(`secret "${name}" not found`);
        ctx.state.log.info({ secret: name }, 'secret deleted');
        ctx.status = 204;
      },
    },
  ];
}
