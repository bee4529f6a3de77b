import type { TSchema } from '@sinclair/typebox';
import type { RouterContext } from '@koa/router';
import type { ApiKeyRecord, ApiKeyRole, Logger } from '../../core/index';

/** Who may call a route: `public` (no key) or the least role that may. */
export type RouteRole = 'public' | ApiKeyRole;

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What the API middleware leaves on `ctx.state` for handlers. */
export interface ApiState {
  requestId: string;
  /** Request-scoped logger (request id bound; handlers bind more, e.g. `executionId`). */
  log: Logger;
  /** The caller's key, when the `Authorization` header carried a valid one. */
  apiKey: ApiKeyRecord | null;
  /** True when an `Authorization` header was sent but did not verify. */
  authFailed: boolean;
  /** Validated `params`, `query` and `body` of the matched route. */
  params: any;
  query: any;
  body: any;
}

export type ApiContext = RouterContext<ApiState>;

export interface ResponseSpec {
  description: string;
  schema?: TSchema;
  /** Defaults to `application/json`. */
  contentType?: string;
}

/**
 * One API route: its schemas (validation and the OpenAPI document come from the same objects)
 * and its handler. Its required role lives in `ROUTE_PERMISSIONS`, not here, so every route's
 * access is reviewable in one table.
 */
export interface RouteSpec {
  method: HttpVerb;
  /** Full path in @koa/router syntax (`/api/v1/workflows/:id`). */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: TSchema;
  /** Always checked: routes without one reject any query parameter. */
  query?: TSchema;
  body?: TSchema;
  /** An absent body is accepted (validated as `{}`). */
  bodyOptional?: boolean;
  /** The handler reads the body itself (webhooks: the raw bytes are signed; other media types). */
  rawBody?: boolean;
  responses: Record<number, ResponseSpec>;
  handler(ctx: ApiContext): Promise<void>;
}

/** The version prefix of every API route. */
export const API_PREFIX = '/api/v1';
