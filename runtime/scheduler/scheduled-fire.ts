import { v7 as uuidv7 } from 'uuid';
import type { ExecutionStore } from '../../core/store/execution-store';
import type { WorkflowRecord } from '../../core/store/workflow-store';
import { skippedRecord } from '../../core/executor/node-records';
import type { Clock } from '../../core/services/clock';
import type { Logger } from '../../core/services/logger';
import type { EventBus } from '../../core/events/event-bus';
import type { ExecutionDispatcher } from '../queue/execution-dispatcher';

/** The idempotency key of a fire: `schedule:<workflowId>:<fire time, ISO 8601 UTC, ms precision>`. */
export function fireKey(workflowId: string, fireTime: number): string {
  return `schedule:${workflowId}:${new Date(fireTime).toISOString()}`;
}

/** The fire time encoded in an idempotency key of {@link fireKey}'s shape, or null. */
export function fireTimeOfKey(workflowId: string, key: string | null | undefined): number | null {
  const prefix = `schedule:${workflowId}:`;
  if (!key?.startsWith(prefix)) return null;
  const t = Date.parse(key.slice(prefix.length));
  return Number.isFinite(t) ? t : null;
}

export interface ScheduledFireDeps {
  executionStore: ExecutionStore;
  dispatcher: ExecutionDispatcher;
  clock: Clock;
  logger: Logger;
  /** Where a skipped fire's end is published. */
  events?: EventBus;
}

/** What became of one fire. */
export type FireOutcome =
  | { kind: 'started'; executionId: string }
  /** Another scheduler (or an earlier attempt) already recorded this fire time. */
  | { kind: 'duplicate'; executionId: string }
  | { kind: 'skipped'; executionId: string | null; runningId: string };

/**
 * Runs fires: the overlap policy, the skipped record, the dispatch with the fire's idempotency
 * key, and the bookkeeping of which scheduled runs of a workflow this process still has running.
 */
export class ScheduledFireRunner {
  /** Per workflow: executions this process started from a schedule that have not finished (and fires being dispatched). */
  private readonly running = new Map<string, Set<string>>();

  constructor(private readonly deps: ScheduledFireDeps) {}

  async fire(record: WorkflowRecord, overlap: 'skip' | 'allow', fireTime: number): Promise<FireOutcome> {
    const key = fireKey(record.id, fireTime);
    // Marked busy before the first await, so a second fire of the same workflow in this process sees it.
    const placeholder = `dispatching:${key}`;
    const busy = this.localRun(record.id);
    this.track(record.id, placeholder);
    try {
      if (overlap === 'skip') {
        const runningId = busy ?? (await this.runningElsewhere(record.id, key));
        if (runningId) return { kind: 'skipped', runningId, executionId: await this.recordSkipped(record, key) };
      }
      const h = await this.deps.dispatcher.dispatch(record.definition, {
        workflowId: record.id,
        workflowVersion: record.version,
        trigger: 'schedule',
        idempotencyKey: key,
      });
      if (!h.created) return { kind: 'duplicate', executionId: h.executionId };
      if (h.done) {
        this.track(record.id, h.executionId);
        void h.done.then(
          () => this.untrack(record.id, h.executionId),
          () => this.untrack(record.id, h.executionId),
        );
      }
      return { kind: 'started', executionId: h.executionId };
    } finally {
      this.untrack(record.id, placeholder);
    }
  }

  /** Whether this process has a scheduled run of the workflow in flight. */
  hasRunning(workflowId: string): boolean {
    return (this.running.get(workflowId)?.size ?? 0) > 0;
  }

  private localRun(workflowId: string): string | null {
    const s = this.running.get(workflowId);
    if (!s) return null;
    for (const id of s) return id.startsWith('dispatching:') ? `a fire being dispatched (${id.slice(12)})` : id;
    return null;
  }

  /**
   * A scheduled run of the workflow that the store says is still pending or running, started by
   * another process (or queued for a worker). The fire's own key is excluded: another scheduler
   * may have just started this very fire.
   */
  private async runningElsewhere(workflowId: string, key: string): Promise<string | null> {
    const page = await this.deps.executionStore.listExecutions({ workflowId, status: ['pending', 'running'], limit: 20 });
    return page.items.find((e) => e.trigger === 'schedule' && e.idempotencyKey !== key)?.id ?? null;
  }

  /** Records the skipped fire (status `skipped`, every node `skipped`); null when the key was already taken. */
  private async recordSkipped(record: WorkflowRecord, key: string): Promise<string | null> {
    const store = this.deps.executionStore;
    const now = new Date(this.deps.clock.now()).toISOString();
    const id = uuidv7();
    const r = await store.startExecution({
      id,
      workflowId: record.id,
      workflowVersion: record.version,
      trigger: 'schedule',
      inputs: {},
      idempotencyKey: key,
      startedAt: now,
      definition: record.definition,
    });
    if (!r.created) return null;
    // The execution document lists every node; fallback nodes only when they ran (never, here).
    const fallbacks = new Set(record.definition.nodes.map((n) => n.fallback).filter((f): f is string => !!f));
    const nodes = record.definition.nodes.filter((n) => !fallbacks.has(n.id));
    await Promise.all(nodes.map((n) => store.nodeFinished(id, skippedRecord(n.id, null))));
    await store.finishExecution(id, { status: 'skipped', outputs: null, error: null, finishedAt: now, durationMs: 0 });
    // it never ran, so its end is its only event
    this.deps.events?.publish({ kind: 'execution', status: 'skipped', executionId: id, workflowId: record.id, seq: 1, at: now });
    return id;
  }

  private track(workflowId: string, id: string): void {
    let s = this.running.get(workflowId);
    if (!s) this.running.set(workflowId, (s = new Set()));
    s.add(id);
  }

  private untrack(workflowId: string, id: string): void {
    const s = this.running.get(workflowId);
    if (!s) return;
    s.delete(id);
    if (s.size === 0) this.running.delete(workflowId);
  }
}
