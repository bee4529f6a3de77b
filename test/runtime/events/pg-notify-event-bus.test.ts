import assert from 'node:assert/strict';
import { Client } from 'pg';
import { decode, encode, EVENTS_CHANNEL, PgNotifyEventBus } from '../../../runtime/events/pg-notify-event-bus';
import type { ExecutionEvent, NodeStatusEvent } from '../../../core/events/execution-event';
import { silentLogger } from '../../../core/services/logger';
import { postgresUrlOrSkip, stopSharedPostgres } from '../../support/postgres-server';
import { waitFor } from '../../support/wait-for';

after(stopSharedPostgres);

const at = '2026-11-25T17:00:00.000Z';
const nodeEvent = (executionId: string, seq: number, status: 'running' | 'succeeded' = 'succeeded'): NodeStatusEvent => ({
  kind: 'node',
  executionId,
  workflowId: 'wf_1',
  seq,
  at,
  nodeId: `n${seq}`,
  status,
  attempt: 1,
});

/** Resolves with the first `count` events `bus` delivers for `executionId` (rejects after `ms`). */
function collect(bus: PgNotifyEventBus, executionId: string, count: number, ms = 5_000): Promise<ExecutionEvent[]> {
  return new Promise((resolve, reject) => {
    const seen: ExecutionEvent[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`saw ${seen.length} of ${count} events: ${JSON.stringify(seen)}`));
    }, ms);
    const off = bus.subscribe((e) => {
      seen.push(e);
      if (seen.length === count) {
        clearTimeout(timer);
        off();
        resolve(seen);
      }
    }, executionId);
  });
}

describe('PgNotifyEventBus (real PostgreSQL)', function () {
  this.timeout(30_000);
  let url = '';
  let a: PgNotifyEventBus;
  let b: PgNotifyEventBus;

  before(async function () {
    url = await postgresUrlOrSkip(this);
    a = await PgNotifyEventBus.connect({ connectionString: url, logger: silentLogger });
    b = await PgNotifyEventBus.connect({ connectionString: url, logger: silentLogger });
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
  });

  it("delivers one process's events to another, in order, and to its own subscribers exactly once", async () => {
    const id = 'ex-order';
    const remote = collect(b, id, 50);
    // a's own subscriber listens for the whole time: an echo of a's notifications would show here
    const own: number[] = [];
    const off = a.subscribe((e) => own.push(e.seq), id);
    for (let seq = 1; seq <= 50; seq++) {
      a.publish(nodeEvent(id, seq));
      if (seq % 10 === 0) await new Promise((r) => setImmediate(r)); // several flushes, not one
    }
    const got = await remote;
    assert.deepEqual(
      got.map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.deepEqual(got[0], nodeEvent(id, 1));
    // PostgreSQL delivers a channel's notifications in commit order: once a marker that b sends
    // after all of a's has reached a, any echo of a's own notifications would have reached it first
    b.publish(nodeEvent(id, 51));
    await waitFor(() => own.includes(51), "b's marker to reach a");
    off();
    assert.deepEqual(
      own,
      Array.from({ length: 51 }, (_, i) => i + 1),
      'delivered locally once, never echoed',
    );
  });

  it('sends an event with a huge error without its stack and input, and says always-listening', async () => {
    const id = 'ex-big';
    const remote = collect(b, id, 1);
    const big: ExecutionEvent = {
      ...nodeEvent(id, 1),
      status: 'failed',
      error: {
        type: 'NodeExecutionError',
        code: 'WF_NODE_FAILED',
        message: 'm'.repeat(5_000),
        stack: 's'.repeat(20_000),
        attempt: 2,
        input: { blob: 'x'.repeat(20_000) },
      } as never,
    };
    a.publish(big);
    const [got] = await remote;
    assert.deepEqual((got as { error: unknown }).error, {
      type: 'NodeExecutionError',
      code: 'WF_NODE_FAILED',
      message: 'm'.repeat(1_000),
      attempt: 2,
    });
    assert.equal(a.hasListeners, true);
  });

  it('ignores notifications that are not weft events', async () => {
    const id = 'ex-junk';
    const remote = collect(b, id, 1);
    const raw = new Client({ connectionString: url });
    await raw.connect();
    try {
      for (const payload of ['not json', '{"o":"x"}', JSON.stringify({ o: 'x', e: { executionId: id, kind: 'node' } })]) {
        await raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
      }
    } finally {
      await raw.end();
    }
    a.publish(nodeEvent(id, 7));
    assert.deepEqual(
      (await remote).map((e) => e.seq),
      [7],
      'only the well-formed event arrives',
    );
  });

  it('reconnects after its connection is killed, and delivers again', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'weft-events' AND pid <> pg_backend_pid()`,
      );
    } finally {
      await admin.end();
    }
    const id = 'ex-reconnect';
    // until both have listened again, events may be missed: publish until one arrives
    const deadline = Date.now() + 15_000;
    let seq = 0;
    for (;;) {
      const remote = collect(b, id, 1, 500).catch(() => null);
      a.publish(nodeEvent(id, ++seq));
      const got = await remote;
      if (got) {
        assert.equal(got[0]!.seq, seq);
        break;
      }
      assert.ok(Date.now() < deadline, 'no event got through after the reconnect');
    }
  });
});

describe('PgNotifyEventBus payloads', () => {
  it('round-trips events and drops its own and malformed ones', () => {
    const e = nodeEvent('x', 3);
    const payload = encode('me', e)!;
    assert.deepEqual(decode('other', payload), e);
    assert.equal(decode('me', payload), null);
    for (const bad of ['', '[]', 'null', '{"o":"a","e":{"kind":"node","seq":"1","executionId":"x"}}'])
      assert.equal(decode('other', bad), null);
  });

  it('gives up on an event that cannot fit even without its error details', () => {
    const token: ExecutionEvent = {
      kind: 'token',
      executionId: 'x',
      workflowId: 'w',
      seq: 1,
      at,
      nodeId: 'n',
      attempt: 1,
      text: 't'.repeat(9_000),
    };
    assert.equal(encode('me', token), null);
  });
});
