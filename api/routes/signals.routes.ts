import { NotFoundError } from '../../core/index';
import { SignalAcceptedSchema, SignalBodySchema, SignalParamsSchema } from '../schemas/execution.schema';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type ApiContext, type RouteSpec } from './route-spec';

/** Signals to waiting executions (`wait` nodes with `signal`). */
export function signalRoutes(deps: RouteDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: `${API_PREFIX}/executions/:id/signals/:name`,
      operationId: 'signalExecution',
      summary:
        'Deliver a signal to an execution (202): the wait node that started waiting for the name first takes it; before any waits, it is kept, first in first out. 404 for a name no wait node declares, 409 once the execution finished',
      tag: 'executions',
      params: SignalParamsSchema,
      body: SignalBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'the signal is kept on the execution', schema: SignalAcceptedSchema } },
      handler: (ctx) => signal(deps, ctx),
    },
  ];
}

async function signal(deps: RouteDeps, ctx: ApiContext): Promise<void> {
  const { id, name } = ctx.state.params as { id: string; name: string };
  if (!deps.waits) throw new NotFoundError('signals need a database: this weft keeps no executions that wait');
  const body: { payload?: unknown } = ctx.state.body ?? {};
  const { receivedAt } = await deps.waits.signal(id, name, body.payload ?? null);
  ctx.state.log.child({ executionId: id }).info({ signal: name }, 'signal received');
  ctx.status = 202;
  ctx.body = { executionId: id, signal: name, receivedAt };
}
