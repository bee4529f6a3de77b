import { Type } from '@sinclair/typebox';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import {
  NotFoundError,
  triggerSecret,
  UnauthorizedError,
  ValidationError,
  type ExecutionDocument,
  type WebhookTrigger,
  type WorkflowRecord,
} from '../../core/index';
import { SecretRedactor } from '../../core/secrets/secret-redactor';
import { PayloadTooLargeError, RateLimitedError } from '../errors/api-errors';
import { bearerTokenValid, hmacSignatureValid } from '../hooks/webhook-auth';
import { assertHookMediaType, pairsToObject, parseHookBody, pickHeaders } from '../hooks/webhook-inputs';
import { readBody, tooLarge } from '../middleware/body.middleware';
import { startExecution } from './executions.routes';
import { waitForFinish } from './execution-waiter';
import type { RouteDeps } from './route-deps';
import type { ApiContext, RouteSpec } from './route-spec';

/** The path of webhooks: outside `/api/v1`, since their callers have no API key. */
export const HOOKS_PREFIX = '/hooks';
const DEFAULT_RESPOND_TIMEOUT_MS = 30_000;
const MAX_IDEMPOTENCY_KEY = 200;

const HookParamsSchema = Type.Object(
  { workflowId: Type.String({ maxLength: 200 }), name: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
/** Any query string: it becomes `inputs.query` (prototype keys are refused when it is read). */
const AnyQuerySchema = Type.Record(Type.String({ maxLength: 200 }), Type.Union([Type.String(), Type.Array(Type.String())]));
const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export interface HookRouteOptions {
  maxBodyBytes: number;
  /** Requests per minute per hook. */
  perMinute: number;
}

/** `POST /hooks/:workflowId/:name`: a signed (or token-bearing) request starts an execution. */
export function hookRoutes(deps: RouteDeps, options: HookRouteOptions): RouteSpec[] {
  const limiter = new RateLimiterMemory({ keyPrefix: 'hook', points: options.perMinute, duration: 60 });
  return [
    {
      method: 'POST',
      path: `${HOOKS_PREFIX}/:workflowId/:name`,
      operationId: 'webhook',
      summary:
        'Webhook trigger (no API key: `X-Weft-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, or `Authorization: Bearer <secret>`, as the trigger declares). Inputs are `{ body, query, headers }`; `Idempotency-Key` de-duplicates deliveries',
      tag: 'hooks',
      params: HookParamsSchema,
      query: AnyQuerySchema,
      rawBody: true,
      responses: {
        200: { description: '`respond: "outputs"`: the workflow outputs' },
        202: { description: 'started (or the execution this Idempotency-Key already started): `{ executionId }`' },
        401: { description: 'invalid or expired signature (or token)', schema: ErrorBody },
        404: { description: 'no such workflow or hook (one answer for both)', schema: ErrorBody },
        413: { description: 'body too large', schema: ErrorBody },
        415: { description: 'not JSON, urlencoded or text/plain', schema: ErrorBody },
        429: { description: 'the hook is over its rate limit (`Retry-After`)', schema: ErrorBody },
        500: { description: '`respond: "outputs"`: the execution failed (`{ error: { type, code, message } }`)', schema: ErrorBody },
      },
      handler: (ctx) => receive(deps, options, limiter, ctx),
    },
  ];
}

async function receive(deps: RouteDeps, options: HookRouteOptions, limiter: RateLimiterMemory, ctx: ApiContext): Promise<void> {
  const { workflowId, name } = ctx.state.params as { workflowId: string; name: string };
  const found = await findHook(deps, workflowId, name);
  // one answer for an unknown workflow and an unknown hook: hooks cannot be enumerated
  if (!found) throw new NotFoundError('no such webhook');
  const { record, trigger } = found;
  try {
    await limiter.consume(`${record.id}\u0000${name}`);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw new RateLimitedError(`this webhook is over its limit of ${options.perMinute} requests per minute; retry in ${seconds} s`, {
      retryAfterMs: seconds * 1000,
    });
  }
  const raw = await readHookBody(ctx, options.maxBodyBytes);
  const secret = await deps.secrets.get(triggerSecret(trigger));
  const authentic =
    secret !== null &&
    ('hmac' in trigger.auth
      ? hmacSignatureValid(ctx.get('x-weft-signature'), raw, secret, Date.now())
      : bearerTokenValid(ctx.get('authorization'), secret));
  if (!authentic) {
    if (secret === null)
      ctx.state.log.warn(
        { workflowId: record.id, hook: name, secret: triggerSecret(trigger) },
        'webhook secret missing: every request is refused',
      );
    throw new UnauthorizedError('invalid or expired signature');
  }
  // the trigger's secret counts as used by the execution: a sender echoing it lands redacted in the record
  const redactor = new SecretRedactor();
  redactor.add(triggerSecret(trigger), secret);
  const inputs = redactor.redact({
    body: parseHookBody(raw, ctx.get('content-type')),
    query: pairsToObject(new URLSearchParams(ctx.querystring), 'query'),
    headers: pickHeaders(ctx.req.headers, trigger.headers),
  });
  const idempotencyKey = hookIdempotencyKey(name, ctx.get('idempotency-key'));
  const started = await startExecution(deps, record.definition, {
    workflowId: record.id,
    workflowVersion: record.version,
    inputs,
    trigger: 'webhook',
    idempotencyKey,
  });
  ctx.state.log.info(
    { executionId: started.executionId, workflowId: record.id, hook: name, created: started.created },
    started.created ? 'webhook started an execution' : 'webhook delivery repeated',
  );
  if (started.created && trigger.respond === 'outputs') {
    const settled = await finishedWithin(deps, started, trigger.timeoutMs ?? DEFAULT_RESPOND_TIMEOUT_MS);
    // a parked execution (a wait node) has not finished: like one still running, it answers 202
    const doc = settled?.status === 'waiting' ? null : settled;
    if (doc && doc.status !== 'failed' && doc.status !== 'cancelled') {
      ctx.status = 200;
      ctx.body = doc.outputs ?? {};
      return;
    }
    if (doc) {
      // the error's class and code say what went wrong; its stack and input stay in the record
      ctx.status = 500;
      ctx.body = {
        error: {
          type: doc.error?.type ?? 'WeftError',
          code: doc.error?.code ?? 'WF_NODE_FAILED',
          message: doc.error?.message ?? `execution ${doc.status}`,
        },
      };
      return;
    }
  }
  ctx.status = 202;
  ctx.body = { executionId: started.executionId };
}

async function findHook(
  deps: RouteDeps,
  workflowId: string,
  name: string,
): Promise<{ record: WorkflowRecord; trigger: WebhookTrigger } | null> {
  let record: WorkflowRecord | null;
  try {
    record = await deps.workflowCache.get(workflowId);
  } catch {
    return null;
  }
  const trigger = record?.definition.triggers?.find((t) => t.name === name);
  return record && trigger ? { record, trigger } : null;
}

/** The raw body as text (415 for a media type the hook does not parse, 413 above the limit, before reading it all). */
async function readHookBody(ctx: ApiContext, maxBytes: number): Promise<string> {
  const declared = ctx.req.headers['content-length'];
  if (ctx.req.headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0')) return '';
  assertHookMediaType(ctx.get('content-type'));
  if (declared !== undefined && Number(declared) > maxBytes) {
    ctx.set('Connection', 'close');
    throw tooLarge(maxBytes);
  }
  return readBody(ctx.req, maxBytes).catch((err: unknown) => {
    if (err instanceof PayloadTooLargeError) ctx.set('Connection', 'close');
    throw err;
  });
}

function hookIdempotencyKey(name: string, header: string): string | null {
  if (!header) return null;
  if (header.length > MAX_IDEMPOTENCY_KEY) {
    const message = `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters`;
    throw new ValidationError(message, { details: [{ path: 'headers.idempotency-key', message }] });
  }
  return `webhook:${name}:${header}`;
}

/** The finished document, or null when it did not finish within `ms`. */
async function finishedWithin(
  deps: RouteDeps,
  started: { executionId: string; done?: Promise<ExecutionDocument> },
  ms: number,
): Promise<ExecutionDocument | null> {
  const timeout = AbortSignal.timeout(ms);
  if (!started.done) return waitForFinish(started.executionId, deps, timeout);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([started.done, expired]);
  } finally {
    clearTimeout(timer);
  }
}
