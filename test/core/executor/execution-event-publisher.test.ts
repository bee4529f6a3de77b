import assert from 'node:assert/strict';
import { ExecutionEventPublisher } from '../../../core/executor/execution-event-publisher';
import { InProcessEventBus } from '../../../core/events/in-process-event-bus';
import type { ExecutionEvent } from '../../../core/events/execution-event';

describe('ExecutionEventPublisher', () => {
  it('numbers events without gaps, counting those nobody was listening to', () => {
    const bus = new InProcessEventBus();
    const events = new ExecutionEventPublisher(bus, 'ex1', 'wf1', () => '2026-11-25T17:00:00.000Z');
    events.emit({ kind: 'execution', status: 'running' });
    const seen: ExecutionEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e), 'ex1');
    events.emit({ kind: 'node', nodeId: 'a', status: 'running', attempt: 1 });
    events.emitNode({
      nodeId: 'a',
      status: 'succeeded',
      attempts: 1,
      startedAt: null,
      finishedAt: null,
      output: 1,
      error: null,
      recoveredBy: null,
      skipReason: null,
      durationMs: 3,
    } as never);
    off();
    events.emit({ kind: 'execution', status: 'succeeded' });
    assert.deepEqual(
      seen.map((e) => [e.seq, e.kind, (e as { status: string }).status]),
      [
        [2, 'node', 'running'],
        [3, 'node', 'succeeded'],
      ],
    );
    assert.deepEqual(
      {
        executionId: seen[1]!.executionId,
        workflowId: seen[1]!.workflowId,
        at: seen[1]!.at,
        durationMs: (seen[1] as { durationMs?: number }).durationMs,
      },
      { executionId: 'ex1', workflowId: 'wf1', at: '2026-11-25T17:00:00.000Z', durationMs: 3 },
    );
  });
});
