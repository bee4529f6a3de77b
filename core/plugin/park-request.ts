/**
 * What a parked node waits for: a timer due at `dueAt` (epoch ms), a signal by name, with an
 * optional `timeoutAt` (epoch ms) after which the node fails with a `TimeoutError`, or the end of
 * a child execution (a `workflow` node whose child waits or runs in another process): when the
 * child ends, or at `timeoutAt` (the node attempt's deadline, from its `timeoutMs`) if that comes
 * first, the node runs again on the same attempt, re-attaches to the child and takes its result,
 * or times out; or the first end of any of several children (a `map` whose items in flight all
 * wait): the node runs again on the same attempt, takes the results of the children that ended
 * and re-attaches to the others; with a node deadline (`timeoutAt`) it times out there as a `child` wait does.
 * A child wait's `wakeAt` runs the node again earlier than its deadline without timing it out (a
 * map item's own deadline: the map wakes to time that item out).
 */
export type WaitSpec =
  | { kind: 'timer'; dueAt: number }
  | { kind: 'signal'; signal: string; timeoutAt: number | null }
  | { kind: 'child'; childExecutionId: string; timeoutAt?: number | null; wakeAt?: number | null }
  | { kind: 'children'; childExecutionIds: readonly string[]; timeoutAt?: number | null; wakeAt?: number | null };

/** When a wait falls due by time alone (null: only an event ends it — a signal without timeout, a child's end). */
export function waitDueAt(wait: WaitSpec): number | null {
  if (wait.kind === 'timer') return wait.dueAt;
  const at = wait.timeoutAt ?? null;
  if (wait.kind === 'signal') return at;
  const wake = wait.wakeAt ?? null;
  return wake === null ? at : at === null ? wake : Math.min(wake, at);
}

const PARKED = Symbol.for('weft.parkRequest');

/**
 * Returned by a node type's `execute` to park the node instead of finishing it: the node and
 * (when nothing else runs) its execution become `waiting`, the execution leaves memory, and the
 * node ends later, when its timer is due or its signal arrives, with the output the waker
 * records (timer `{ firedAt }`, signal `{ signal, payload, receivedAt }`).
 */
export interface ParkRequest {
  readonly [PARKED]: true;
  readonly wait: WaitSpec;
}

/** Parks the node on `wait` (return it from `execute`). */
export function parkNode(wait: WaitSpec): ParkRequest {
  return { [PARKED]: true, wait };
}

export function isParkRequest(value: unknown): value is ParkRequest {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PARKED] === true;
}

/** Signal names a `wait` node may declare (and the signals route accepts). */
export const SIGNAL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The furthest ahead a wait may end. */
export const MAX_WAIT_MS = 366 * 24 * 60 * 60 * 1000;
