import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { EventBus, EventListener } from '../../core/events/event-bus';
import type { ExecutionEvent } from '../../core/events/execution-event';
import { InProcessEventBus } from '../../core/events/in-process-event-bus';
import type { Logger } from '../../core/services/logger';

/** The PostgreSQL channel every weft process on one database publishes its execution events on. */
export const EVENTS_CHANNEL = 'weft_execution_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;
/** Longest error message carried by an event that had to be shortened to fit. */
const SHORT_MESSAGE = 1_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** Longest shutdown waits for queued notifications to go out. */
const DISPOSE_GRACE_MS = 1_000;

export interface PgNotifyEventBusOptions {
  connectionString: string;
  logger: Logger;
  /**
   * The claim this process holds on an execution (see `SqlExecutionStore.claimFence`): a worker
   * whose claim was taken over publishes nothing more for it, as it writes nothing more.
   */
  fence?: (executionId: string) => number | 'lost' | null;
}

/**
 * The {@link EventBus} for several weft processes on one PostgreSQL: events are delivered in
 * this process at once, as by {@link InProcessEventBus}, and sent to the other processes with
 * PostgreSQL's own LISTEN/NOTIFY (so an SSE stream served by one process follows an execution
 * that a `weft worker` or another `weft serve` runs). The events of one event-loop turn go out
 * in one statement; PostgreSQL delivers them in order. An event too big for a NOTIFY payload
 * travels without its error's stack and input snapshot. While the connection is down, remote
 * processes miss events (the SSE route's store poll still ends their streams).
 */
export class PgNotifyEventBus implements EventBus {
  private readonly local = new InProcessEventBus();
  /** Tells this process's own notifications apart from the others'. */
  private readonly origin = randomUUID();
  private outbox: Outbox = emptyOutbox();
  private flushScheduled = false;
  /** The NOTIFY statements in flight, chained. */
  private sending: Promise<void> = Promise.resolve();
  private client: Client | null = null;
  private closed = false;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly options: PgNotifyEventBusOptions) {}

  /** Connects and listens; fails when PostgreSQL cannot be reached. */
  static async connect(options: PgNotifyEventBusOptions): Promise<PgNotifyEventBus> {
    const bus = new PgNotifyEventBus(options);
    bus.client = await bus.open();
    return bus;
  }

  publish(event: ExecutionEvent): void {
    const epoch = this.options.fence?.(event.executionId) ?? null;
    // the claim went to another process (a write was refused): that run's events are stale
    if (epoch === 'lost') return;
    this.local.publish(event);
    if (this.closed) return;
    const payload = encode(this.origin, event);
    if (payload === null) {
      this.options.logger.warn(
        { executionId: event.executionId, seq: event.seq, kind: event.kind },
        'event too big to notify other processes',
      );
      return;
    }
    this.outbox.payloads.push(payload);
    this.outbox.ids.push(event.executionId);
    this.outbox.epochs.push(epoch);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  subscribe(listener: EventListener, executionId?: string): () => void {
    return this.local.subscribe(listener, executionId);
  }

  /** Other processes may be listening, so events are always built. */
  get hasListeners(): boolean {
    return true;
  }

  /** Sends what is queued, then closes the connection (kernel stop). */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    // what is queued gets a moment to go out; a connection that hangs must not hold up shutdown
    let timer: NodeJS.Timeout | undefined;
    const closing = this.sending.then(() => client?.end()).catch(() => undefined);
    await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, DISPOSE_GRACE_MS)))]);
    clearTimeout(timer);
  }

  private flush(): void {
    this.flushScheduled = false;
    const { payloads, ids, epochs } = this.outbox;
    this.outbox = emptyOutbox();
    // with the connection down the other processes miss these; nothing piles up meanwhile
    const client = this.client;
    if (!payloads.length || !client) return;
    // one statement at a time on the connection, so flushes never overtake each other
    // only a process holding claims (a worker) pays for the fence
    const fenced = epochs.some((e) => e !== null);
    this.sending = this.sending.then(() =>
      (fenced
        ? client.query(NOTIFY_FENCED, [EVENTS_CHANNEL, payloads, ids, epochs])
        : client.query(NOTIFY, [EVENTS_CHANNEL, payloads])
      ).then(
        () => undefined,
        (err: unknown) =>
          this.options.logger.warn({ err, events: payloads.length }, 'could not notify other processes of execution events'),
      ),
    );
  }

  private async open(): Promise<Client> {
    const client = new Client({ connectionString: this.options.connectionString, application_name: 'weft-events' });
    client.on('notification', (msg) => {
      if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
      const event = decode(this.origin, msg.payload);
      if (event) this.local.publish(event);
    });
    client.on('error', (err) => {
      this.options.logger.warn({ err }, 'event notification connection failed');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(RECONNECT_MAX_MS, delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.open().then(
        (client) => {
          if (this.closed) return void client.end().catch(() => undefined);
          this.client = client;
          this.reconnectDelayMs = RECONNECT_MIN_MS;
          this.options.logger.info('event notification connection restored');
        },
        (err: unknown) => {
          this.options.logger.warn({ err }, 'event notification connection: reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

/** Events waiting for the next NOTIFY statement, with the execution and claim epoch each is fenced by (null: none). */
interface Outbox {
  payloads: string[];
  ids: string[];
  epochs: Array<number | null>;
}

function emptyOutbox(): Outbox {
  return { payloads: [], ids: [], epochs: [] };
}

/**
 * Sends the events in order, each only while its claim epoch still holds: a worker that was stuck
 * past its lease publishes what it did on waking before any of its writes is refused, and those
 * events must not reach the streams that follow the worker that took over.
 */
const NOTIFY = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i';
const NOTIFY_FENCED = `SELECT pg_notify($1, t.p)
  FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS t(p, id, epoch, i)
  WHERE t.epoch IS NULL OR EXISTS (SELECT 1 FROM workflow_execution w WHERE w.id = t.id AND w.claim_epoch = t.epoch)
  ORDER BY t.i`;

/** `{ o: origin, e: event }` as JSON, shortened to fit a NOTIFY payload; null when it cannot fit. */
export function encode(origin: string, event: ExecutionEvent): string | null {
  let payload = JSON.stringify({ o: origin, e: event });
  if (Buffer.byteLength(payload) < MAX_PAYLOAD_BYTES) return payload;
  const error = (event as { error?: { type?: string; code?: string; message?: string; attempt?: number } | null }).error;
  if (error) {
    const short = {
      type: error.type,
      code: error.code,
      message: String(error.message ?? '').slice(0, SHORT_MESSAGE),
      attempt: error.attempt,
    };
    payload = JSON.stringify({ o: origin, e: { ...event, error: short } });
    if (Buffer.byteLength(payload) < MAX_PAYLOAD_BYTES) return payload;
  }
  return null;
}

/** The event of another process's payload; null for this process's own or anything malformed. */
export function decode(origin: string, payload: string): ExecutionEvent | null {
  try {
    const parsed = JSON.parse(payload) as { o?: unknown; e?: unknown };
    if (parsed.o === origin || !parsed.e || typeof parsed.e !== 'object') return null;
    const e = parsed.e as ExecutionEvent;
    if (typeof e.executionId !== 'string' || typeof e.seq !== 'number' || typeof e.kind !== 'string') return null;
    return e;
  } catch {
    return null;
  }
}
