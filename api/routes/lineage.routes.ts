import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../core/index';
import { IdParamsSchema, PageQuerySchema } from '../schemas/common.schema';
import { ExecutionPageSchema } from '../schemas/execution.schema';
import { ExecuteAcceptedSchema } from '../schemas/workflow.schema';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type RouteSpec } from './route-spec';
import { cursorErrors, pageSize } from './workflows.routes';

export const RerunBodySchema = Type.Object(
  {
    fromNodes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 10_000,
        description: 'default: the nodes that did not succeed',
      }),
    ),
    version: Type.Optional(
      Type.Union([Type.Literal('pinned'), Type.Literal('latest')], { description: "`pinned` (default): the original's version" }),
    ),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "replace the original's inputs" })),
  },
  { additionalProperties: false },
);

/** Re-runs and the children of sub-workflow and map nodes. */
export function lineageRoutes(deps: RouteDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: `${API_PREFIX}/executions/:id/rerun`,
      operationId: 'rerunExecution',
      summary: 'Re-run a finished execution from its failed (or the named) nodes, reusing what succeeded (202; 409 unless it finished)',
      tag: 'executions',
      params: IdParamsSchema,
      body: RerunBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'the re-run started (or was queued)', schema: ExecuteAcceptedSchema } },
      async handler(ctx) {
        const id: string = ctx.state.params.id;
        const started = await deps.reruns.rerun(id, ctx.state.body ?? {});
        ctx.state.log.child({ executionId: started.executionId }).info({ rerunOf: id, reused: started.reused }, 're-run started');
        ctx.status = 202;
        ctx.set('Location', `${API_PREFIX}/executions/${encodeURIComponent(started.executionId)}`);
        ctx.body = { executionId: started.executionId, status: started.status };
      },
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/executions/:id/children`,
      operationId: 'listExecutionChildren',
      summary: 'The direct child executions of sub-workflow and map nodes, oldest first (keyset pagination)',
      tag: 'executions',
      params: IdParamsSchema,
      query: PageQuerySchema,
      responses: { 200: { description: 'a page of child executions', schema: ExecutionPageSchema } },
      async handler(ctx) {
        const id: string = ctx.state.params.id;
        const cursor: string | undefined = ctx.state.query.cursor;
        const limit = pageSize(ctx.state.query.limit);
        // an unknown parent is a 404, not an empty page (a typo must not look like "no children")
        if (cursor === undefined && !(await deps.executions.getExecution(id))) throw new NotFoundError(`execution "${id}" not found`);
        ctx.body = await cursorErrors(cursor, deps.executions.listChildren(id, { limit, cursor }));
      },
    },
  ];
}
