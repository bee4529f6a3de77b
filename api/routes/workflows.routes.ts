import {
  NotFoundError,
  ValidationError,
  WorkflowDefinitionSchema,
  type ValidationIssue,
  type WorkflowDefinition,
  type WorkflowRecord,
  triggerSecret,
} from '../../core/index';
import { DEFAULT_PAGE_SIZE, IdParamsSchema, MAX_PAGE_SIZE, PageQuerySchema } from '../schemas/common.schema';
import {
  ScheduleResponseSchema,
  WorkflowListSchema,
  WorkflowRecordSchema,
  WorkflowVersionDefinitionSchema,
  WorkflowVersionParamsSchema,
  WorkflowVersionResponseSchema,
} from '../schemas/workflow.schema';
import type { RouteDeps } from './route-deps';
import { workflowReferenceIssues } from './workflow-references';
import { API_PREFIX, type ApiContext, type RouteSpec } from './route-spec';

/** Number of fire times `GET /workflows/:id/schedule` returns. */
const NEXT_FIRE_TIMES = 10;

/** Workflow CRUD and the schedule view. */
export function workflowRoutes(deps: RouteDeps): RouteSpec[] {
  const base = `${API_PREFIX}/workflows`;
  return [
    {
      method: 'POST',
      path: base,
      operationId: 'createWorkflow',
      summary: 'Create a workflow (validated; version 1)',
      tag: 'workflows',
      body: WorkflowDefinitionSchema,
      responses: { 201: { description: 'created', schema: WorkflowVersionResponseSchema } },
      async handler(ctx) {
        const definition = await validateDefinition(deps, ctx.state.body);
        const record = await deps.workflows.create(definition);
        syncSchedule(deps, ctx, record);
        ctx.status = 201;
        ctx.set('Location', `${base}/${encodeURIComponent(record.id)}`);
        ctx.body = { id: record.id, version: record.version };
      },
    },
    {
      method: 'GET',
      path: base,
      operationId: 'listWorkflows',
      summary: 'List workflows (keyset pagination)',
      tag: 'workflows',
      query: PageQuerySchema,
      responses: { 200: { description: 'a page of workflows', schema: WorkflowListSchema } },
      async handler(ctx) {
        const limit = pageSize(ctx.state.query.limit);
        const cursor: string | undefined = ctx.state.query.cursor;
        const page = await cursorErrors(cursor, deps.workflows.list({ limit, cursor }));
        ctx.body = { items: page.items.map(summary), nextCursor: page.nextCursor };
      },
    },
    {
      method: 'GET',
      path: `${base}/:id`,
      operationId: 'getWorkflow',
      summary: 'Read a workflow and its current definition',
      tag: 'workflows',
      params: IdParamsSchema,
      responses: { 200: { description: 'the workflow', schema: WorkflowRecordSchema } },
      async handler(ctx) {
        ctx.body = await getRecord(deps, ctx.state.params.id);
      },
    },
    {
      method: 'GET',
      path: `${base}/:id/versions/:version`,
      operationId: 'getWorkflowVersion',
      summary: 'Read one version of a workflow (the definition an execution pinned); readable after a delete, like its executions',
      tag: 'workflows',
      params: WorkflowVersionParamsSchema,
      responses: { 200: { description: 'the version', schema: WorkflowVersionDefinitionSchema } },
      async handler(ctx) {
        const id: string = ctx.state.params.id;
        const version = Number(ctx.state.params.version);
        const definition = await deps.workflows.getVersion(id, version);
        if (!definition) throw new NotFoundError(`workflow "${id}" has no version ${version}`);
        ctx.body = { id, version, definition };
      },
    },
    {
      method: 'PUT',
      path: `${base}/:id`,
      operationId: 'updateWorkflow',
      summary: 'Save a new version of a workflow',
      tag: 'workflows',
      params: IdParamsSchema,
      body: WorkflowDefinitionSchema,
      responses: { 200: { description: 'the new version', schema: WorkflowVersionResponseSchema } },
      async handler(ctx) {
        const definition = await validateDefinition(deps, ctx.state.body, ctx.state.params.id);
        const record = await deps.workflows.update(ctx.state.params.id, definition);
        deps.workflowCache.invalidate(record.id);
        syncSchedule(deps, ctx, record);
        ctx.body = { id: record.id, version: record.version };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:id`,
      operationId: 'deleteWorkflow',
      summary: 'Delete a workflow (its schedule stops; its executions stay readable)',
      tag: 'workflows',
      params: IdParamsSchema,
      responses: { 204: { description: 'deleted' } },
      async handler(ctx) {
        const id: string = ctx.state.params.id;
        await deps.workflows.delete(id);
        deps.workflowCache.invalidate(id);
        deps.schedules?.remove(id);
        ctx.status = 204;
      },
    },
    {
      method: 'GET',
      path: `${base}/:id/schedule`,
      operationId: 'getWorkflowSchedule',
      summary: 'The workflow schedule and its next ten fire times',
      tag: 'workflows',
      params: IdParamsSchema,
      responses: { 200: { description: 'the schedule', schema: ScheduleResponseSchema } },
      async handler(ctx) {
        const record = await getRecord(deps, ctx.state.params.id);
        if (!record.schedule) throw new NotFoundError(`workflow "${record.id}" has no schedule`);
        const nextFireTimes = deps.schedules ? deps.schedules.nextFireTimes(record.schedule, NEXT_FIRE_TIMES) : [];
        ctx.body = { schedule: record.schedule, nextFireTimes };
      },
    },
  ];
}

/** Page size from `?limit=` (already checked to be digits). */
export function pageSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (n < 1 || n > MAX_PAGE_SIZE) {
    throw new ValidationError(`limit must be between 1 and ${MAX_PAGE_SIZE}`, {
      details: [{ path: 'query.limit', message: `must be between 1 and ${MAX_PAGE_SIZE}` }],
    });
  }
  return n;
}

/** A store's refusal of a cursor (malformed or tampered) is reported as `query.cursor`. */
export async function cursorErrors<T>(cursor: string | undefined, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ValidationError && cursor !== undefined) {
      throw new ValidationError('invalid cursor', { details: [{ path: 'query.cursor', message: 'malformed or tampered cursor' }] });
    }
    throw err;
  }
}

async function getRecord(deps: RouteDeps, id: string): Promise<WorkflowRecord> {
  const record = await deps.workflows.get(id);
  if (!record) throw new NotFoundError(`workflow "${id}" not found`);
  return record;
}

/** Full validation (node types, cycles, templates, called workflows) and the schedule, issues prefixed `body.`. */
async function validateDefinition(deps: RouteDeps, body: unknown, selfId?: string): Promise<WorkflowDefinition> {
  const result = deps.validator.validate(body);
  const issues: ValidationIssue[] = result.ok ? [] : result.issues.map(inBody);
  if (result.ok) issues.push(...(await workflowReferenceIssues(deps.workflows, result.definition, selfId)));
  const schedule = (body as WorkflowDefinition).schedule;
  if (schedule && deps.schedules) {
    for (const i of deps.schedules.validate(schedule)) issues.push(inBody(i));
  }
  // a trigger's secret must exist when the workflow is saved (a hook that can never verify is a mistake)
  if (result.ok) {
    for (const [i, t] of (result.definition.triggers ?? []).entries()) {
      const name = triggerSecret(t);
      if (!(await deps.secrets.has(name))) {
        const kind = 'hmac' in t.auth ? 'hmac' : 'token';
        issues.push({
          path: `body.triggers[${i}].auth.${kind}.secret`,
          message: `secret "${name}" does not exist (create it first: PUT /api/v1/secrets/${name})`,
          code: 'unknown_secret',
        });
      }
    }
  }
  if (issues.length || !result.ok) {
    throw new ValidationError(`invalid workflow: ${issues[0]?.path ?? 'body'} ${issues[0]?.message ?? 'is invalid'}`, {
      details: issues,
    });
  }
  return result.definition;
}

/** Issue paths point into the request: `nodes[1].id` → `body.nodes[1].id`. */
function inBody(issue: ValidationIssue): ValidationIssue {
  const inner = issue.path && issue.path !== '(root)' ? issue.path : '';
  return { ...issue, path: inner ? `body.${inner}` : 'body' };
}

function syncSchedule(deps: RouteDeps, ctx: ApiContext, record: WorkflowRecord): void {
  if (!deps.schedules) return;
  try {
    deps.schedules.sync(record);
  } catch (err) {
    // the workflow is saved; a scheduler failure must not turn that into an error response
    ctx.state.log.error({ err, workflowId: record.id }, 'schedule sync failed');
  }
}

function summary(r: WorkflowRecord): Omit<WorkflowRecord, 'definition'> {
  return { id: r.id, name: r.name, version: r.version, schedule: r.schedule, createdAt: r.createdAt, updatedAt: r.updatedAt };
}
