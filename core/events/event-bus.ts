import type { ExecutionEvent } from './execution-event';

export type EventListener = (event: ExecutionEvent) => void;

/**
 * Fan-out of execution events. Listeners run synchronously and must not throw (a throwing
 * listener is isolated and ignored); they must not block either.
 */
export interface EventBus {
  publish(event: ExecutionEvent): void;
  /** Subscribe to every event (`executionId` omitted) or to one execution's. Returns an unsubscribe function. */
  subscribe(listener: EventListener, executionId?: string): () => void;
}
