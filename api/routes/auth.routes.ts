import { Type } from '@sinclair/typebox';
import { NoQuerySchema } from '../schemas/common.schema';
import { API_PREFIX, type RouteSpec } from './route-spec';

const WhoAmISchema = Type.Object({
  role: Type.String({ enum: ['viewer', 'operator', 'admin'] }),
  keyId: Type.String(),
});

/** Who the calling key is: the console chooses its action buttons from the role. */
export function authRoutes(): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: `${API_PREFIX}/auth/me`,
      operationId: 'whoAmI',
      summary: 'The role and id of the calling API key',
      tag: 'auth',
      query: NoQuerySchema,
      responses: { 200: { description: 'the calling key', schema: WhoAmISchema } },
      async handler(ctx) {
        const key = ctx.state.apiKey!; // the route needs a viewer key, so the guard has set it
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { role: key.role, keyId: key.id };
      },
    },
  ];
}
