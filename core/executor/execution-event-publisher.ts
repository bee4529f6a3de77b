import type { EventBus } from '../events/event-bus';
import type { ExecutionEventInput } from '../events/execution-event';
import type { NodeExecutionRecord } from '../model/execution-document';

/**
 * Publishes one execution's events with a gapless `seq`. With no listener on the bus nothing is
 * built, but `seq` still counts, so numbering never depends on who was listening.
 */
export class ExecutionEventPublisher {
  private seq: number;

  constructor(
    private readonly bus: EventBus,
    private readonly executionId: string,
    private readonly workflowId: string,
    private readonly now: () => string,
    /** Applied to every event before it leaves (secret redaction). */
    private readonly redact: (e: ExecutionEventInput) => ExecutionEventInput = (e) => e,
    /** The last number an earlier run of the execution used (resume): numbering goes on from it. */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  /** The number of the last event (published or not). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Publishes `e`, which becomes the event: callers hand over a fresh object and keep no reference to it. */
  emit(e: ExecutionEventInput): void {
    this.seq++;
    if (!this.listening()) return;
    // completed in place rather than copied: a chain publishes two events per node, and a spread
    // copy of each was a fifth of the executor's own time
    const event = this.redact(e) as ExecutionEventInput & { executionId: string; workflowId: string; seq: number; at: string };
    event.executionId = this.executionId;
    event.workflowId = this.workflowId;
    event.seq = this.seq;
    event.at = this.now();
    this.bus.publish(event);
  }

  /** A node's terminal status, from its record. */
  emitNode(rec: NodeExecutionRecord): void {
    if (!this.listening()) return void this.seq++;
    this.emit({
      kind: 'node',
      nodeId: rec.nodeId,
      status: rec.status,
      attempt: rec.attempts,
      skipReason: rec.skipReason,
      error: rec.error,
      recoveredBy: rec.recoveredBy,
      durationMs: rec.durationMs ?? undefined,
    });
  }

  private listening(): boolean {
    return (this.bus as EventBus & { hasListeners?: boolean }).hasListeners !== false;
  }
}
