import type { EventBus, EventListener } from './event-bus';
import type { ExecutionEvent } from './execution-event';

/** The default {@link EventBus}: in-process, synchronous, listener failures isolated. */
export class InProcessEventBus implements EventBus {
  private readonly all = new Set<EventListener>();
  private readonly byExecution = new Map<string, Set<EventListener>>();

  publish(event: ExecutionEvent): void {
    for (const l of this.all) call(l, event);
    const set = this.byExecution.get(event.executionId);
    if (set) for (const l of set) call(l, event);
  }

  subscribe(listener: EventListener, executionId?: string): () => void {
    if (executionId === undefined) {
      this.all.add(listener);
      return () => this.all.delete(listener);
    }
    let set = this.byExecution.get(executionId);
    if (!set) this.byExecution.set(executionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byExecution.delete(executionId);
    };
  }

  /** Whether anyone listens (lets hot paths skip building events). */
  get hasListeners(): boolean {
    return this.all.size > 0 || this.byExecution.size > 0;
  }
}

function call(listener: EventListener, event: ExecutionEvent): void {
  try {
    listener(event);
  } catch {
    // a broken listener must not break an execution
  }
}
