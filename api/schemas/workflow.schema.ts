import { Type } from '@sinclair/typebox';
import { ScheduleSchema, WorkflowDefinitionSchema } from '../../core/index';
import { IdSchema } from './common.schema';

/** `201`/`200` of create and update. */
export const WorkflowVersionResponseSchema = Type.Object({ id: Type.String(), version: Type.Integer() });

const WorkflowSummaryProps = {
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  schedule: Type.Union([ScheduleSchema, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

/** A list entry (the definition is left out: read the workflow for it). */
export const WorkflowSummarySchema = Type.Object(WorkflowSummaryProps);

/** `GET /workflows/:id`. */
export const WorkflowRecordSchema = Type.Object({ ...WorkflowSummaryProps, definition: WorkflowDefinitionSchema });

/** `:id/versions/:version` path parameters (the version as digits: 1, 2, ...). */
export const WorkflowVersionParamsSchema = Type.Object(
  { id: IdSchema, version: Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'a version number, 1 and up' }) },
  { additionalProperties: false },
);

/** `GET /workflows/:id/versions/:version`. */
export const WorkflowVersionDefinitionSchema = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  definition: WorkflowDefinitionSchema,
});

export const WorkflowListSchema = Type.Object({
  items: Type.Array(WorkflowSummarySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/** Body of `POST /workflows/:id/execute` (the whole body is optional). */
export const ExecuteBodySchema = Type.Object(
  {
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    wait: Type.Optional(Type.Boolean()),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 9,
        description: 'default 5: a freed concurrency slot, and a free worker, go to the highest priority first, then the oldest',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ExecuteAcceptedSchema = Type.Object({ executionId: IdSchema, status: Type.String() });

/** `GET /workflows/:id/schedule`. */
export const ScheduleResponseSchema = Type.Object({
  schedule: ScheduleSchema,
  nextFireTimes: Type.Array(Type.String({ description: 'ISO 8601 with offset' })),
});
