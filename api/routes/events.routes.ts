import { createSession, type Session } from 'better-sse';
import { NotFoundError, type ExecutionEvent } from '../../core/index';
import { RateLimitedError } from '../errors/api-errors';
import { IdParamsSchema } from '../schemas/common.schema';
import { isTerminal } from './execution-waiter';
import type { RouteDeps } from './route-deps';
import { API_PREFIX, type ApiContext, type RouteSpec } from './route-spec';

/** `GET /executions/:id/events`: the live status stream. */
export function eventRoutes(deps: RouteDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: `${API_PREFIX}/executions/:id/events`,
      operationId: 'streamExecutionEvents',
      summary:
        'Server-Sent Events: a `snapshot` (the execution document), then `execution`, `node` and `token` events in `seq` order (the SSE id); the stream ends after the final `execution` event',
      tag: 'executions',
      params: IdParamsSchema,
      responses: { 200: { description: 'an event stream', contentType: 'text/event-stream' } },
      handler: (ctx) => stream(deps, ctx),
    },
  ];
}

async function stream(deps: RouteDeps, ctx: ApiContext): Promise<void> {
  const id: string = ctx.state.params.id;
  if (ctx.method === 'HEAD') {
    // a HEAD must not hold a connection open for the length of an execution
    if (!(await deps.executions.getExecution(id))) throw new NotFoundError(`execution "${id}" not found`);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    return;
  }
  // each stream holds a socket, a bus subscription and a store poll for as long as its execution
  // runs: one key opening streams without end would exhaust the process for every other client
  const owner = ctx.state.apiKey?.id ?? 'anonymous';
  if (deps.streams.count(owner) >= deps.maxStreamsPerKey) {
    throw new RateLimitedError(`this API key already has ${deps.maxStreamsPerKey} open event streams (the most allowed); close one first`, {
      retryAfterMs: 5_000,
    });
  }
  // shutdown (`closeAll`) ends the stream through whatever `end` it has by then
  let end: () => void = () => {};
  const deregister = deps.streams.add(() => end(), owner);
  try {
    await streamOpen(deps, ctx, id, (close) => (end = close), deregister);
  } finally {
    deregister();
  }
}

async function streamOpen(
  deps: RouteDeps,
  ctx: ApiContext,
  id: string,
  onEnd: (end: () => void) => void,
  deregister: () => void,
): Promise<void> {
  // subscribe before reading the snapshot: whatever happens in between is buffered, not lost
  let pending: ExecutionEvent[] | null = [];
  let deliver: (e: ExecutionEvent) => void = () => {};
  const unsubscribe = deps.events.subscribe((e) => (pending ? pending.push(e) : deliver(e)), id);
  let session: Session;
  let finished = false;
  try {
    const doc = await deps.executions.getExecution(id);
    if (!doc) throw new NotFoundError(`execution "${id}" not found`);
    if (isTerminal(doc.status) && ctx.get('last-event-id')) {
      // a reconnecting EventSource of a finished execution: 204 tells it to stop retrying
      unsubscribe();
      ctx.status = 204;
      return;
    }
    ctx.respond = false;
    session = await createSession(ctx.req, ctx.res, {
      statusCode: 200, // Koa presets 404 on res until a body is set
      keepAlive: deps.heartbeatMs,
      retry: null,
      trustClientEventId: false,
      headers: { 'X-Accel-Buffering': 'no' },
    });
    session.push(doc, 'snapshot', '0');
    finished = isTerminal(doc.status);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  const log = ctx.state.log.child({ executionId: id });
  await new Promise<void>((resolve) => {
    let lastSeq = 0;
    let ended = false;
    let poll: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(poll);
      unsubscribe();
      deregister();
      if (!ctx.res.writableEnded) ctx.res.end();
      resolve();
    };
    onEnd(end);
    deliver = (e) => {
      if (ended || e.seq <= lastSeq) return; // duplicate or late: seq orders and de-duplicates
      lastSeq = e.seq;
      try {
        session.push(e, e.kind, String(e.seq));
      } catch (err) {
        log.debug({ err }, 'event stream write failed');
        return end();
      }
      if (e.kind === 'execution' && isTerminal(e.status)) end();
    };
    // An execution that another process runs or ends reaches this process's bus only through a
    // shared bus (PostgreSQL); without one, or while it is down, the store still says when it ends.
    poll = setInterval(() => {
      // an execution this process runs publishes its end here: nothing to read
      if (deps.executor.isActive(id)) return;
      deps.executions.getExecution(id).then(
        (latest) => {
          if (ended || !latest || !isTerminal(latest.status)) return;
          try {
            session.push(latest, 'snapshot', String(lastSeq));
          } catch (err) {
            log.debug({ err }, 'event stream write failed');
            return end();
          }
          deliver({
            kind: 'execution',
            status: latest.status,
            error: latest.error,
            executionId: id,
            workflowId: latest.workflowId,
            seq: lastSeq + 1,
            at: latest.finishedAt ?? new Date().toISOString(),
          });
        },
        (err: unknown) => log.debug({ err }, 'event stream: store poll failed'),
      );
    }, deps.storePollMs);
    poll.unref();
    session.once('disconnected', end);
    if (!session.isConnected) return end();
    // finished before the stream opened: the snapshot already says everything
    if (finished) return end();
    const buffered = pending!.sort((a, b) => a.seq - b.seq);
    pending = null;
    for (const e of buffered) deliver(e);
  });
}
