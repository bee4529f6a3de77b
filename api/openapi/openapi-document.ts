import type { TSchema } from '@sinclair/typebox';
import { ErrorResponseSchema } from '../schemas/common.schema';
import type { RouteRole, RouteSpec } from '../routes/route-spec';

/** A route with its required role (what `createApp` registered). */
export interface DocumentedRoute {
  spec: RouteSpec;
  role: RouteRole;
}

/** Error statuses every authenticated operation can answer besides its own. */
const COMMON_ERRORS: Record<number, string> = {
  400: 'invalid input (details name the paths)',
  401: 'missing or invalid API key',
  403: 'the key role may not call this route',
  404: 'not found',
  429: 'rate limited (see Retry-After)',
  500: 'internal error',
};

/**
 * Builds the OpenAPI 3.1 document from the same route specs and TypeBox schemas that validate
 * requests, so the document cannot drift from what the server enforces.
 */
export function buildOpenApiDocument(routes: readonly DocumentedRoute[], info: { title: string; version: string }): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec, role } of routes) {
    const path = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] =
        r.schema || r.contentType
          ? { description: r.description, content: { [r.contentType ?? 'application/json']: r.schema ? { schema: plain(r.schema) } : {} } }
          : { description: r.description };
    }
    for (const [status, description] of Object.entries(COMMON_ERRORS)) {
      if (role === 'public' && (status === '401' || status === '403')) continue;
      responses[status] ??= { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    if (spec.body) {
      responses['413'] = {
        description: 'body too large',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
      responses['415'] = {
        description: 'body is not application/json',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      'x-weft-role': role,
      security: role === 'public' ? [] : [{ bearerAuth: [] }],
      responses,
    };
    if (parameters.length) operation.parameters = parameters;
    if (spec.body) {
      operation.requestBody = { required: !spec.bodyOptional, content: { 'application/json': { schema: plain(spec.body) } } };
    }
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description: 'weft: a workflow execution engine. Keys are made with `weft keys create --role <admin|operator|viewer>`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a weft API key' } },
      schemas: { Error: plain(ErrorResponseSchema) },
    },
  };
}

function parametersOf(schema: TSchema | undefined, where: 'path' | 'query'): object[] {
  if (!schema) return [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: plain(s),
    ...(s.description ? { description: s.description } : {}),
  }));
}

/** A JSON copy of a TypeBox schema (drops its symbol keys). */
function plain(schema: TSchema): object {
  return JSON.parse(JSON.stringify(schema)) as object;
}
