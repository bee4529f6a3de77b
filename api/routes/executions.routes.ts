import { Type } from '@sinclair/typebox';
import {
  NotFoundError,
  ValidationError,
  type DispatchedExecution,
  type ExecuteOptions,
  type ExecutionDocument,
  type ExecutionStatus,
  type ExecutionTrigger,
  type WorkflowDefinition,
} from '../../core/index';
import { IdParamsSchema } from '../schemas/common.schema';
import {
  AllExecutionsQuerySchema,
  CancelAcceptedSchema,
  EXECUTION_STATUSES,
  EXECUTION_TRIGGERS,
  ExecutionDocumentSchema,
  ExecutionListQuerySchema,
  ExecutionPageSchema,
  NodeListSchema,
  NodeOutputParamsSchema,
} from '../schemas/execution.schema';
import { ExecuteAcceptedSchema, ExecuteBodySchema } from '../schemas/workflow.schema';
import { waitForFinish } from './execution-waiter';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type ApiContext, type RouteSpec } from './route-spec';
import { cursorErrors, pageSize } from './workflows.routes';
import { allowlisted, queryDate } from './list-query-values';

const CancelBodySchema = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

/** Starting, reading, listing and cancelling executions. */
export function executionRoutes(deps: RouteDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: `${API_PREFIX}/workflows/:id/execute`,
      operationId: 'executeWorkflow',
      summary: 'Start an execution of the current version (202), or run it to the end with `wait` (200)',
      tag: 'executions',
      params: IdParamsSchema,
      body: ExecuteBodySchema,
      bodyOptional: true,
      responses: {
        202: { description: 'started (or the execution an idempotency key already started)', schema: ExecuteAcceptedSchema },
        200: { description: 'with `wait: true`: the finished execution', schema: ExecutionDocumentSchema },
      },
      handler: (ctx) => execute(deps, ctx),
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/workflows/:id/executions`,
      operationId: 'listWorkflowExecutions',
      summary: 'Executions of a workflow, newest first (filters on status and start time, keyset pagination)',
      tag: 'executions',
      params: IdParamsSchema,
      query: ExecutionListQuerySchema,
      responses: { 200: { description: 'a page of executions', schema: ExecutionPageSchema } },
      handler: (ctx) => list(deps, ctx, ctx.state.params.id),
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/executions`,
      operationId: 'listExecutions',
      summary: 'Executions of every workflow, newest first (filters on status, trigger and start time, keyset pagination; no node outputs)',
      tag: 'executions',
      query: AllExecutionsQuerySchema,
      responses: { 200: { description: 'a page of executions', schema: ExecutionPageSchema } },
      handler: (ctx) => list(deps, ctx, undefined),
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/executions/:id`,
      operationId: 'getExecution',
      summary: 'The execution document with its node executions',
      tag: 'executions',
      params: IdParamsSchema,
      responses: { 200: { description: 'the execution', schema: ExecutionDocumentSchema } },
      async handler(ctx) {
        ctx.body = await getDocument(deps, ctx.state.params.id);
      },
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/executions/:id/nodes`,
      operationId: 'getExecutionNodes',
      summary: 'The node executions of an execution',
      tag: 'executions',
      params: IdParamsSchema,
      responses: { 200: { description: 'node executions', schema: NodeListSchema } },
      async handler(ctx) {
        ctx.body = { nodes: (await getDocument(deps, ctx.state.params.id)).nodes };
      },
    },
    {
      method: 'GET',
      path: `${API_PREFIX}/executions/:id/nodes/:nodeId/output`,
      operationId: 'getNodeOutput',
      summary: "A node's whole output as JSON (what a document's `$ref` names for outputs above WEFT_INLINE_OUTPUT_BYTES)",
      tag: 'executions',
      params: NodeOutputParamsSchema,
      responses: { 200: { description: "the node's output JSON, byte for byte as stored", contentType: 'application/json' } },
      handler: (ctx) => nodeOutput(deps, ctx),
    },
    {
      method: 'POST',
      path: `${API_PREFIX}/executions/:id/cancel`,
      operationId: 'cancelExecution',
      summary: 'Cancel an execution wherever it runs or waits (202; 409 when it already finished)',
      tag: 'executions',
      params: IdParamsSchema,
      body: CancelBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'cancellation requested', schema: CancelAcceptedSchema } },
      handler: (ctx) => cancel(deps, ctx),
    },
  ];
}

async function execute(deps: RouteDeps, ctx: ApiContext): Promise<void> {
  const workflowId: string = ctx.state.params.id;
  const record = await deps.workflowCache.get(workflowId);
  if (!record) throw new NotFoundError(`workflow "${workflowId}" not found`);
  const body: { inputs?: Record<string, unknown>; idempotencyKey?: string; wait?: boolean; priority?: number } = ctx.state.body;
  // schedules and webhooks own these prefixes: a caller must not pre-empt a fire or a delivery
  if (body.idempotencyKey !== undefined && /^(schedule|webhook):/.test(body.idempotencyKey)) {
    const message = 'idempotency keys starting "schedule:" or "webhook:" are reserved for schedules and webhooks';
    throw new ValidationError(message, { details: [{ path: 'body.idempotencyKey', message }] });
  }
  const options = {
    workflowId: record.id,
    workflowVersion: record.version,
    inputs: body.inputs ?? {},
    trigger: 'api' as const,
    idempotencyKey: body.idempotencyKey ?? null,
    priority: body.priority,
  };
  const started = await startExecution(deps, record.definition, options);
  const { executionId, created } = started;
  const log = (ctx.state.log = ctx.state.log.child({ executionId }));
  log.info(
    { workflowId: record.id, version: record.version, created },
    created ? 'execution started' : 'idempotency key matched an execution',
  );
  if (body.wait) {
    const doc = started.done ? await started.done : await waitForClient(deps, ctx, executionId);
    if (!doc) return; // the client left; the execution goes on
    ctx.status = 200;
    ctx.body = doc;
    return;
  }
  // a new execution is `running` here, or `pending` in a queue; an earlier one is looked up
  const status = created
    ? (started.status ?? (started.done ? 'running' : 'pending'))
    : ((await deps.executions.getExecution(executionId))?.status ?? 'pending');
  ctx.status = 202;
  ctx.set('Location', `${API_PREFIX}/executions/${encodeURIComponent(executionId)}`);
  ctx.body = { executionId, status };
}

/** Starts an execution where executions run: queue mode hands it to workers (no `done` here); inline mode runs it in this process. */
export async function startExecution(
  deps: RouteDeps,
  definition: WorkflowDefinition,
  options: ExecuteOptions,
): Promise<DispatchedExecution> {
  return deps.dispatcher
    ? deps.dispatcher.dispatch(definition, options)
    : deps.executor
        .start(definition, options)
        .then((h) => ({ executionId: h.executionId, created: h.created, done: h.created ? h.done : undefined }));
}

function waitForClient(deps: RouteDeps, ctx: ApiContext, executionId: string): Promise<ExecutionDocument | null> {
  const gone = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableEnded) gone.abort();
  };
  ctx.req.once('close', onClose);
  return waitForFinish(executionId, deps, gone.signal).finally(() => ctx.req.removeListener('close', onClose));
}

/** Lists one workflow's executions (`workflowId`) or every workflow's. */
async function list(deps: RouteDeps, ctx: ApiContext, workflowId: string | undefined): Promise<void> {
  const q: Record<string, string | undefined> = ctx.state.query;
  const status = allowlisted(q.status, EXECUTION_STATUSES, 'status') as ExecutionStatus[] | undefined;
  const trigger = allowlisted(q.trigger, EXECUTION_TRIGGERS, 'trigger') as ExecutionTrigger[] | undefined;
  // normalised to UTC so stores can compare them with the ISO strings they keep
  const from = queryDate(q.from, 'query.from');
  const to = queryDate(q.to, 'query.to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new ValidationError('from must not be after to', { details: [{ path: 'query.from', message: 'must not be after query.to' }] });
  }
  ctx.body = await cursorErrors(
    q.cursor,
    deps.executions.listExecutions({
      workflowId,
      status,
      trigger,
      from,
      to,
      limit: pageSize(q.limit),
      cursor: q.cursor,
    }),
  );
}

async function cancel(deps: RouteDeps, ctx: ApiContext): Promise<void> {
  const id: string = ctx.state.params.id;
  const reason: string = ctx.state.body.reason ?? 'cancelled through the API';
  const log = ctx.state.log.child({ executionId: id });
  if (deps.executor.cancel(id, reason)) {
    log.info({ reason }, 'execution cancel requested');
  } else {
    // queued, or run by another process (a worker, another server): a durable request that ends a
    // queued execution at once and that the owner of a running one polls for; the store answers
    // 404 for an unknown execution and 409 for a finished one
    const outcome = await deps.executions.requestCancel(id, reason);
    log.info({ reason, outcome }, outcome === 'cancelled' ? 'queued execution cancelled' : 'execution cancel requested from its process');
    if (outcome === 'cancelled') await publishEndedHere(deps, id).catch((err) => log.warn({ err }, 'could not publish the cancel'));
  }
  ctx.status = 202;
  ctx.body = { executionId: id, cancelRequested: true };
}

/** Sends the stored JSON text as it is: never parsed and serialised again (it may be megabytes). */
async function nodeOutput(deps: RouteDeps, ctx: ApiContext): Promise<void> {
  const { id, nodeId } = ctx.state.params as { id: string; nodeId: string };
  let text: string | null;
  if (deps.executions.readNodeOutput) text = await deps.executions.readNodeOutput(id, nodeId);
  else {
    // a store that keeps every output inline (in memory)
    const node = (await deps.executions.getExecution(id))?.nodes.find((n) => n.nodeId === nodeId);
    text = node ? JSON.stringify(node.output ?? null) : null;
  }
  if (text === null) {
    if (!(await deps.executions.getExecution(id))) throw new NotFoundError(`execution "${id}" not found`);
    throw new NotFoundError(`execution "${id}" has no node "${nodeId.slice(0, 200)}"`);
  }
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = text;
}

/**
 * Publishes the end of an execution the cancel ended in the store (queued or parked: no process
 * runs it, so no run publishes it): its nodes that were waiting, then the execution, numbered on
 * from the last event its parked run recorded, for live streams to show.
 */
async function publishEndedHere(deps: RouteDeps, id: string): Promise<void> {
  const doc = await deps.executions.getExecution(id);
  if (!doc) return;
  let seq = (await deps.executions.lastEventSeq?.(id)) ?? 0;
  const at = doc.finishedAt ?? new Date().toISOString();
  const base = { executionId: id, workflowId: doc.workflowId, at };
  for (const n of doc.nodes) {
    if (n.status !== 'cancelled' || n.startedAt === null) continue;
    deps.events.publish({
      ...base,
      kind: 'node',
      nodeId: n.nodeId,
      status: 'cancelled',
      attempt: n.attempts,
      error: n.error,
      durationMs: n.durationMs ?? undefined,
      seq: ++seq,
    });
  }
  deps.events.publish({ ...base, kind: 'execution', status: doc.status, error: doc.error, seq: ++seq });
}

async function getDocument(deps: RouteDeps, id: string): Promise<ExecutionDocument> {
  const doc = await deps.executions.getExecution(id);
  if (!doc) throw new NotFoundError(`execution "${id}" not found`);
  return doc;
}
