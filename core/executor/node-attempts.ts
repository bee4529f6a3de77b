import type { PlannedNode } from '../dag/execution-plan';
import type { NodeRunContext } from '../plugin/node-type';
import type { Clock } from '../services/clock';
import { serializeError, toWeftError } from '../errors/error-serializer';
import { TimeoutError, NodeExecutionError, WeftError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { NodeErrorRecord } from '../model/execution-document';
import { retryDelayMs, shouldRetry } from './retry-policy';
import type { AbortFanout } from './abort-fanout';

export type AttemptsResult =
  | { ok: true; output: unknown; outputJson: string | undefined; attempts: number; attemptErrors: NodeErrorRecord[] }
  | { ok: false; error: WeftError; record: NodeErrorRecord; attempts: number; attemptErrors: NodeErrorRecord[]; aborted: boolean };

export interface AttemptsInput {
  node: PlannedNode;
  /** Rendered config (also the input snapshot of error records). */
  config: unknown;
  /** The node's context; `attempt` and `signal` are set per attempt. */
  ctx: NodeRunContext;
  /** The execution's signal (stop, cancel, workflow timeout, drain), fanned out. */
  abort: AbortFanout;
  clock: Clock;
  maxOutputBytes: number;
  onRetry(attempt: number, delayMs: number, error: NodeErrorRecord): void;
  /** A parked node run again (woken): its attempt goes on, with the errors of the attempts before and that attempt's deadline. */
  resume?: ResumedAttempt;
}

/** Where a woken node's attempts pick up: the attempt that parked, and its deadline (null: none known, a fresh `timeoutMs`). */
export interface ResumedAttempt {
  attempt: number;
  attemptErrors: NodeErrorRecord[];
  deadlineAt: number | null;
}

/** The error of an attempt past its node's `timeoutMs`. */
export function nodeTimeoutError(nodeId: string, timeoutMs: number, attempt: number): TimeoutError {
  return new TimeoutError(`node "${nodeId}" timed out after ${timeoutMs} ms (attempt ${attempt})`, { code: ErrorCodes.WF_NODE_TIMEOUT });
}

/**
 * Runs a node's attempts with its retry policy and timeout. A node that ignores its signal
 * does not hold anything up: the attempt is raced against the signal.
 */
export async function runAttempts(a: AttemptsInput): Promise<AttemptsResult> {
  const attemptErrors: NodeErrorRecord[] = [...(a.resume?.attemptErrors ?? [])];
  const max = a.node.retry?.maxAttempts ?? 1;
  const first = a.resume?.attempt ?? 1;
  for (let attempt = first; ; attempt++) {
    try {
      const output = await runOnce(a, attempt, attempt === first ? (a.resume?.deadlineAt ?? null) : null);
      const outputJson = checkOutput(a.node, output, a.maxOutputBytes);
      return { ok: true, output, outputJson, attempts: attempt, attemptErrors };
    } catch (raw) {
      const signal = a.abort.signal;
      const aborted = signal.aborted;
      const error = toWeftError(aborted ? signal.reason : raw);
      const record: NodeErrorRecord = { ...serializeError(aborted ? signal.reason : raw), attempt, input: a.config };
      attemptErrors.push(record);
      const rType = { type: record.type, retryable: record.retryable ?? false, retryAfterMs: error.retryAfterMs };
      if (aborted || attempt >= max || !shouldRetry(a.node.retry, attempt, rType)) {
        return { ok: false, error, record, attempts: attempt, attemptErrors, aborted };
      }
      const delay = retryDelayMs(a.node.retry!, attempt, error.retryAfterMs);
      a.onRetry(attempt, delay, record);
      try {
        await a.clock.sleep(delay, signal);
      } catch {
        const reason = toWeftError(signal.reason);
        const record = { ...serializeError(reason), attempt, input: a.config };
        return { ok: false, error: reason, record, attempts: attempt, attemptErrors, aborted: true };
      }
    }
  }
}

/** One attempt; `deadlineAt` is a woken attempt's deadline (from its first run), null for a fresh `timeoutMs`. */
function runOnce(a: AttemptsInput, attempt: number, deadlineAt: number | null): Promise<unknown> {
  const timeoutMs = a.node.definition.timeoutMs;
  const ctx = a.ctx;
  ctx.attempt = attempt;
  ctx.signal = a.abort.signal;
  ctx.deadlineAt = null;
  let timer: NodeJS.Timeout | undefined;
  let controller: AbortController | undefined;
  if (timeoutMs !== undefined) {
    const now = a.clock.now();
    ctx.deadlineAt = deadlineAt ?? now + timeoutMs;
    controller = new AbortController();
    ctx.signal = AbortSignal.any([a.abort.signal, controller.signal]);
    const timeout = controller;
    // a woken attempt already past its deadline gets no timer: the node re-attaches to what it
    // waited on, takes it if it ended, else ends it and fails with the timeout itself
    if (ctx.deadlineAt > now)
      timer = setTimeout(() => timeout.abort(nodeTimeoutError(a.node.id, timeoutMs, attempt)), ctx.deadlineAt - now);
  }
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const off = a.abort.on((reason) => finish(reject, reason));
    const onTimeout = () => finish(reject, controller!.signal.reason);
    controller?.signal.addEventListener('abort', onTimeout, { once: true });
    function finish<T>(settle: (v: T) => void, v: T) {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      off();
      controller?.signal.removeEventListener('abort', onTimeout);
      settle(v);
    }
    if (settled) return;
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(a.node.nodeType.executor.execute(a.config, ctx));
    } catch (err) {
      return finish(reject, err);
    }
    // a node that ignores its signal settles later, or never: the race above already ended it
    p.then(
      (v) => finish(resolve, v),
      (e) => finish(reject, e),
    );
  });
}

/** Checks an output and returns its JSON text (measured here, and kept so the store need not serialise it again). */
function checkOutput(node: PlannedNode, output: unknown, maxBytes: number): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (err) {
    throw new NodeExecutionError(`node "${node.id}" returned an output that is not JSON: ${(err as Error).message}`);
  }
  if (text !== undefined && text.length > maxBytes / 4 && Buffer.byteLength(text) > maxBytes) {
    const message = `node "${node.id}" output is ${Buffer.byteLength(text)} bytes, above the ${maxBytes}-byte cap`;
    throw new NodeExecutionError(message, { code: ErrorCodes.WF_OUTPUT_TOO_LARGE });
  }
  if (node.branching) {
    const b = (output as { branch?: unknown } | null)?.branch;
    if (typeof b !== 'string') {
      throw new NodeExecutionError(`node "${node.id}" (branching type "${node.definition.type}") must return { branch: string }`);
    }
  }
  return text;
}
