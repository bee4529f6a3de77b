import Koa from 'koa';
import { Router } from '@koa/router';
import { ConfigurationError, NotFoundError, Tokens, type Logger, type Resolver, type Token } from '../core/index';
import type { WeftConfig } from '../runtime/config/weft-config';
import { MethodNotAllowedError } from './errors/api-errors';
import { ApiMetrics } from './metrics/api-metrics';
import { authenticate, authorize } from './middleware/auth.middleware';
import { AuthFailureLimiter } from './middleware/auth-failure-limiter';
import { bodyMiddleware } from './middleware/body.middleware';
import { errorMiddleware } from './middleware/error.middleware';
import { CachedKeyVerifier } from './middleware/cached-key-verifier';
import { rateLimitMiddleware } from './middleware/rate-limit.middleware';
import { requestLogMiddleware } from './middleware/request-log.middleware';
import { RequestValidators } from './middleware/validate.middleware';
import { buildOpenApiDocument, type DocumentedRoute } from './openapi/openapi-document';
import { consoleMiddleware } from './console/console.middleware';
import { authRoutes } from './routes/auth.routes';
import { eventRoutes } from './routes/events.routes';
import { executionRoutes } from './routes/executions.routes';
import { lineageRoutes } from './routes/lineage.routes';
import { RerunService } from '../runtime/rerun/rerun.service';
import { InlineExecutionDispatcher } from '../runtime/queue/execution-dispatcher';
import { signalRoutes } from './routes/signals.routes';
import { createStreamRegistry, type RouteDeps } from './routes/route-deps';
import { permissionKey, ROUTE_PERMISSIONS } from './routes/route-permissions';
import type { ApiContext, ApiState } from './routes/route-spec';
import { secretRoutes } from './routes/secrets.routes';
import { hookRoutes } from './routes/hooks.routes';
import { systemRoutes } from './routes/system.routes';
import { WorkflowRecordCache } from './routes/workflow-record-cache';
import { workflowRoutes } from './routes/workflows.routes';

/** What the API is built from. */
export interface CreateAppOptions {
  /** The kernel (or any resolver) with the stores, executor, event bus and, optionally, the scheduler bound. */
  kernel: Resolver;
  config: Pick<WeftConfig, 'maxBodyBytes' | 'rateLimitPerMinute' | 'trustProxy'> &
    Partial<Pick<WeftConfig, 'console' | 'authFailLimitPerMinute' | 'hookRateLimitPerMinute' | 'maxSseStreamsPerKey'>>;
  /** Where the built console is (default: `dist/web`); tests point it elsewhere. */
  consoleDir?: string;
  /** Defaults to the kernel's logger. */
  logger?: Logger;
  /** SSE heartbeat interval (default 15 s; tests shorten it). */
  sseHeartbeatMs?: number;
  /** How often an open SSE stream reads its execution from the store, to end when it finished without an event reaching this process (default 2 s). */
  sseStorePollMs?: number;
  /** How long a verified API key is remembered (default 5 s; 0: verify every request). Bounds how long a revoked key keeps working. */
  keyCacheMs?: number;
  /** How long `execute` reuses a workflow record (default 1 s; 0: read every time). Local updates invalidate at once. */
  workflowCacheMs?: number;
  /** Reported in the OpenAPI document. */
  version?: string;
}

/** The built API: the Koa app and what tests and the server need around it. */
export interface WeftApp {
  app: Koa<ApiState>;
  router: Router<ApiState>;
  routes: readonly DocumentedRoute[];
  metrics: ApiMetrics;
  /** Ends open event streams and detaches metrics from the event bus (the server closes separately). */
  close(): void;
}

/**
 * Builds the Koa app from the kernel. Middleware, outermost first: request log, error mapping,
 * authentication, rate limiting, the routes (each: role guard, JSON body, schema validation,
 * handler), 404/405. Startup fails if a route has no entry in `ROUTE_PERMISSIONS`.
 */
export function createApp(options: CreateAppOptions): WeftApp {
  const { kernel, config } = options;
  const logger = options.logger ?? kernel.get(Tokens.Logger);
  const executor = kernel.get(Tokens.WorkflowExecutor);
  const events = kernel.get(Tokens.EventBus);
  const metrics = new ApiMetrics({ events, activeExecutions: () => executor.activeCount });
  const streams = createStreamRegistry();
  let openapi: object | null = null;
  const workflows = kernel.get(Tokens.WorkflowStore);
  const executions = kernel.get(Tokens.ExecutionStore);
  const dispatcher = optionalService(kernel, Tokens.ExecutionDispatcher);
  const deps: RouteDeps = {
    workflows,
    workflowCache: new WorkflowRecordCache(workflows, options.workflowCacheMs ?? 1_000),
    executions,
    executor,
    validator: kernel.get(Tokens.WorkflowValidator),
    secrets: kernel.get(Tokens.SecretStore),
    reruns: new RerunService({ executions, workflows, dispatcher: dispatcher ?? new InlineExecutionDispatcher(executor) }),
    waits: optionalService(kernel, Tokens.WaitService),
    events,
    schedules: optionalService(kernel, Tokens.ScheduleService),
    dispatcher,
    metrics,
    logger,
    streams,
    maxStreamsPerKey: config.maxSseStreamsPerKey ?? 20,
    heartbeatMs: options.sseHeartbeatMs ?? 15_000,
    storePollMs: options.sseStorePollMs ?? 2_000,
    openapi: () => openapi!,
  };
  const keys = new CachedKeyVerifier(kernel.get(Tokens.ApiKeyStore), options.keyCacheMs ?? 5_000);

  const router = new Router<ApiState>();
  const validators = new RequestValidators();
  const routes: DocumentedRoute[] = [];
  for (const spec of [
    ...systemRoutes(deps),
    ...authRoutes(),
    ...workflowRoutes(deps),
    ...executionRoutes(deps),
    ...lineageRoutes(deps),
    ...signalRoutes(deps),
    ...eventRoutes(deps),
    ...secretRoutes(deps),
    ...hookRoutes(deps, { maxBodyBytes: config.maxBodyBytes, perMinute: config.hookRateLimitPerMinute ?? 600 }),
  ]) {
    const role = ROUTE_PERMISSIONS[permissionKey(spec.method, spec.path)];
    if (!role) throw new ConfigurationError(`route ${spec.method} ${spec.path} has no role in ROUTE_PERMISSIONS`);
    router.register(spec.path, [spec.method], [
      authorize(role),
      spec.rawBody ? passThrough : bodyMiddleware({ maxBytes: config.maxBodyBytes, accepts: spec.body !== undefined }),
      validators.middleware(spec),
      (ctx: ApiContext) => spec.handler(ctx),
    ] as never);
    routes.push({ spec, role });
  }
  assertEveryRouteHasRole(router);
  openapi = buildOpenApiDocument(routes, { title: 'weft API', version: options.version ?? '1' });

  // behind one trusted proxy the client is the entry that proxy appended (the last one); earlier
  // entries are whatever the client sent and must not pick its rate-limit bucket
  const app = new Koa<ApiState>({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // errors are logged by the error middleware, with the request id
  app.use(requestLogMiddleware(logger, metrics));
  app.use(errorMiddleware());
  // the console's files are public and need no key lookup or API rate limit
  if (config.console !== false) app.use(consoleMiddleware(options.consoleDir));
  app.use(authenticate(keys, new AuthFailureLimiter(config.authFailLimitPerMinute ?? 120)));
  app.use(rateLimitMiddleware(config.rateLimitPerMinute));
  app.use(router.routes() as never);
  app.use(async (ctx: Koa.ParameterizedContext<ApiState>) => {
    const match = router.match(ctx.path, ctx.method);
    const allowed = [...new Set(match.path.flatMap((l) => l.methods))];
    if (allowed.length) throw new MethodNotAllowedError(`${ctx.method} is not allowed on ${ctx.path.slice(0, 200)}`, { details: allowed });
    throw new NotFoundError(`no route ${ctx.method} ${ctx.path.slice(0, 200)}`);
  });
  return {
    app,
    router,
    routes,
    metrics,
    close() {
      streams.closeAll();
      metrics.close();
    },
  };
}

const passThrough: Koa.Middleware = (_ctx, next) => next();

/** Every method of every layer on the router must be in the permission table (routes added around the specs too). */
export function assertEveryRouteHasRole(router: Router<ApiState>): void {
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      if (method === 'HEAD') continue;
      if (!ROUTE_PERMISSIONS[permissionKey(method, String(layer.path))]) {
        throw new ConfigurationError(`route ${method} ${String(layer.path)} has no role in ROUTE_PERMISSIONS`);
      }
    }
  }
  const registered = new Set(router.stack.flatMap((l) => l.methods.map((m) => permissionKey(m, String(l.path)))));
  for (const key of Object.keys(ROUTE_PERMISSIONS)) {
    if (!registered.has(key)) throw new ConfigurationError(`ROUTE_PERMISSIONS lists ${key}, which is not a route`);
  }
}

/** A service that may not be bound (the scheduler is optional); a bound one that fails to build fails startup. */
function optionalService<T>(kernel: Resolver, token: Token<T>): T | null {
  return kernel.has(token) ? kernel.get(token) : null;
}
