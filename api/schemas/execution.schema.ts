import { Type } from '@sinclair/typebox';
import { CursorQuery, IdSchema, LimitQuery } from './common.schema';

// hoisted: the summary schema below lists them too
const EXECUTION_TRIGGERS_LIST = ['manual', 'api', 'schedule', 'webhook', 'rerun', 'workflow'] as const;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const ErrorRecordSchema = Type.Object({ type: Type.String(), code: Type.String(), message: Type.String() }, { additionalProperties: true });

export const NodeExecutionSchema = Type.Object(
  {
    nodeId: Type.String(),
    status: Type.String({ enum: ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled'] }),
    attempts: Type.Integer(),
    startedAt: Nullable(Type.String()),
    finishedAt: Nullable(Type.String()),
    output: Type.Unknown({
      description:
        'the output; above WEFT_INLINE_OUTPUT_BYTES `{ "$ref": "/api/v1/executions/<id>/nodes/<nodeId>/output", "bytes": n }` (bytes: UTF-8 length of the JSON that route answers)',
    }),
    error: Nullable(ErrorRecordSchema),
    recoveredBy: Nullable(Type.String()),
    skipReason: Nullable(Type.String({ enum: ['branch_not_taken', 'upstream_failed'] })),
    reusedFrom: Type.Optional(
      Nullable(Type.String({ description: 'set when a re-run copied the node: the execution that produced its output' })),
    ),
  },
  { additionalProperties: true },
);

/** Every execution status, in the order DESIGN.md lists them. */
export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;

const ExecutionSummaryProps = {
  id: Type.String(),
  workflowId: Type.String(),
  workflowVersion: Type.Integer(),
  status: Type.String({ enum: [...EXECUTION_STATUSES] }),
  trigger: Type.String({ enum: [...EXECUTION_TRIGGERS_LIST] }),
  inputs: Type.Record(Type.String(), Type.Unknown()),
  outputs: Nullable(Type.Record(Type.String(), Type.Unknown())),
  error: Nullable(ErrorRecordSchema),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
  parentExecutionId: Nullable(Type.String({ description: "a sub-workflow's (or map item's) child: the execution that started it" })),
  parentNodeId: Nullable(Type.String({ description: 'the node that started it' })),
  itemIndex: Nullable(Type.Integer({ description: "a map child's item index" })),
  rerunOf: Nullable(Type.String({ description: 'the execution this one re-runs' })),
  priority: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 9,
      description: '0–9 (default 5): a freed concurrency slot, and a free worker, go to the highest first',
    }),
  ),
  concurrencyKey: Type.Optional(
    Type.String({
      description: "the rendered settings.concurrency.key ('' for a limit without a key); only on executions held to a limit",
    }),
  ),
};

export const ExecutionSummarySchema = Type.Object(ExecutionSummaryProps, { additionalProperties: true });

/** The execution document of DESIGN.md. */
export const ExecutionDocumentSchema = Type.Object(
  { ...ExecutionSummaryProps, nodes: Type.Array(NodeExecutionSchema) },
  { additionalProperties: true },
);

export const NodeListSchema = Type.Object({ nodes: Type.Array(NodeExecutionSchema) });

export const ExecutionPageSchema = Type.Object({
  items: Type.Array(ExecutionSummarySchema),
  nextCursor: Nullable(Type.String()),
});

/** `GET /workflows/:id/executions` query: strings checked here, converted (and statuses checked) by the route. */
export const ExecutionListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.String({ maxLength: 200, pattern: '^[a-z_]+(,[a-z_]+)*$', description: `comma-separated: ${EXECUTION_STATUSES.join(', ')}` }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive lower bound on startedAt' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive upper bound on startedAt' })),
    limit: Type.Optional(LimitQuery),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
);

/** Every trigger DESIGN.md names. */
export const EXECUTION_TRIGGERS = EXECUTION_TRIGGERS_LIST;

/** `GET /executions` query: the per-workflow filters plus the trigger. */
export const AllExecutionsQuerySchema = Type.Object(
  {
    ...ExecutionListQuerySchema.properties,
    trigger: Type.Optional(
      Type.String({ maxLength: 200, pattern: '^[a-z_]+(,[a-z_]+)*$', description: `comma-separated: ${EXECUTION_TRIGGERS.join(', ')}` }),
    ),
  },
  { additionalProperties: false },
);

export const CancelAcceptedSchema = Type.Object({ executionId: Type.String(), cancelRequested: Type.Boolean() });

/** `:id` and `:nodeId` of the node output route. */
export const NodeOutputParamsSchema = Type.Object(
  { id: IdSchema, nodeId: Type.String({ minLength: 1, maxLength: 200, description: 'a node id of the execution' }) },
  { additionalProperties: false },
);

/** `:id` and `:name` of the signals route. */
export const SignalParamsSchema = Type.Object(
  {
    id: IdSchema,
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'a signal name a wait node of the workflow declares' }),
  },
  { additionalProperties: false },
);

export const SignalBodySchema = Type.Object({ payload: Type.Optional(Type.Unknown()) }, { additionalProperties: false });

export const SignalAcceptedSchema = Type.Object({ executionId: Type.String(), signal: Type.String(), receivedAt: Type.String() });
