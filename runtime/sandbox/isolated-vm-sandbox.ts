import { SandboxError, WeftError } from '../../core/errors/weft-error';
import type { Sandbox, SandboxLimits, SandboxRunRequest } from '../../core/services/sandbox';
import { silentLogger, type Logger } from '../../core/services/logger';
import { abortError } from './abort-error';
import { loadIsolatedVm } from './isolated-vm-loader';
import { IsolatePool, type IsolateFactory, type IsolatePoolStats } from './isolate-pool';
import type { IsolateSlot, PreparedContext } from './isolate-slot';
import { limitError, resolveLimits } from './sandbox-limits';
import { decodeRunnerResult } from './sandbox-result';

export interface IsolatedVmSandboxOptions {
  /** Limits of a run whose request sets none (DESIGN: CPU 1 s, wall 5 s, memory 128 MB, output 16 MB). */
  defaults: SandboxLimits;
  /** Most isolates alive at once; runs beyond it wait for one. */
  poolSize: number;
  logger?: Logger;
  /** How isolates are made; defaults to `new ivm.Isolate(options)`. */
  createIsolate?: IsolateFactory;
}

/** Pool counters plus run counts (tests prove reuse with these; benchmarks print them). */
export interface SandboxStats extends IsolatePoolStats {
  runs: number;
  /** Runs served by an isolate that had already served an earlier run. */
  reusedRuns: number;
  breaches: number;
}

/** How long dispose() waits for isolated-vm to finish tearing isolates down (see dispose()). */
const TEARDOWN_GRACE_MS = 50;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(
  (
    'arguments eval await break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if implements import in instanceof interface let new null package private protected ' +
    'public return static super switch this throw true try typeof var void while with yield __proto__'
  ).split(' '),
);

/**
 * The {@link Sandbox} on isolated-vm. Pooled isolates, a fresh context per run (prepared ahead
 * of time), copies in and out only: args travel as one JSON string and the result comes back
 * as a JSON string made inside the isolate. Every breach disposes the isolate it happened in.
 */
export class IsolatedVmSandbox implements Sandbox {
  private readonly pool: IsolatePool;
  private readonly defaults: SandboxLimits;
  private readonly logger: Logger;
  private readonly counters = { runs: 0, reusedRuns: 0, breaches: 0 };
  private disposed = false;

  constructor(options: IsolatedVmSandboxOptions) {
    this.defaults = resolveLimits(options.defaults);
    this.logger = options.logger ?? silentLogger;
    if (!Number.isInteger(options.poolSize) || options.poolSize < 1) {
      throw new SandboxError(`sandbox poolSize must be a positive integer, got ${String(options.poolSize)}`);
    }
    const { ivm } = loadIsolatedVm();
    this.pool = new IsolatePool({
      size: options.poolSize,
      logger: this.logger,
      createIsolate: options.createIsolate ?? ((o) => new ivm.Isolate(o)),
    });
  }

  async run(request: SandboxRunRequest): Promise<unknown> {
    if (this.disposed) throw new SandboxError('the sandbox is disposed');
    const limits = resolveLimits(this.defaults, request.limits);
    if (typeof request.code !== 'string') throw new SandboxError('sandbox code must be a string');
    const { namesJson, argsJson } = encodeArgs(request.args);
    const signal = request.signal;
    if (signal?.aborted) throw abortError(signal, 'the sandbox run');
    const slot = await this.pool.acquire(limits.memoryMb, signal);
    // dispose() may have dropped the slot between its hand-over and this line.
    if (!slot.live) throw new SandboxError('the sandbox is disposed');
    this.counters.runs++;
    if (slot.runs > 1) this.counters.reusedRuns++;
    return this.runOnSlot(slot, request.code, namesJson, argsJson, limits, signal);
  }

  /** Makes the pool's isolates (default memory limit) and their first contexts now, instead of on first use. */
  async warmUp(): Promise<void> {
    await this.pool.warm(this.defaults.memoryMb);
  }

  stats(): SandboxStats {
    return { ...this.pool.stats(), ...this.counters };
  }

  /**
   * Ends running runs, rejects waiting ones and disposes every isolate. isolated-vm tears a
   * disposed isolate down on a thread of its own; a `process.exit()` that lands during that
   * teardown crashes the process (SIGSEGV in `PlatformDelegate::UnregisterIsolate`), so this
   * resolves only after a grace period that lets the teardowns finish.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const disposedBefore = this.pool.stats().isolatesDisposed;
    this.pool.dispose();
    if (this.pool.stats().isolatesDisposed > disposedBefore || this.counters.breaches > 0) {
      await new Promise((resolve) => setTimeout(resolve, TEARDOWN_GRACE_MS));
    }
  }

  private runOnSlot(
    slot: IsolateSlot,
    code: string,
    namesJson: string,
    argsJson: string,
    limits: SandboxLimits,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let cpuTimer: NodeJS.Timeout | undefined;
      let prepared: PreparedContext | undefined;
      const finish = (healthy: boolean, error: WeftError | undefined, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(wallTimer);
        clearInterval(cpuTimer);
        signal?.removeEventListener('abort', onAbort);
        if (!healthy) {
          // A breach ends the code at once: the isolate goes before the run is answered.
          releaseContext(prepared);
          this.counters.breaches++;
          this.pool.discard(slot);
          return reject(error ?? new SandboxError('the sandbox run was ended'));
        }
        if (error) reject(error);
        else resolve(value);
        this.recycleAfterAnswer(slot, prepared);
      };
      // Ending the run means disposing its isolate: the only way to stop code already running there.
      const breach = (error: WeftError) => finish(false, error);
      const onAbort = () => breach(abortError(signal!, 'the sandbox run'));
      const wallTimer = setTimeout(() => breach(limitError('wall', limits)), limits.wallMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.interrupt = breach;
      // Aborted while waiting for the isolate: nothing ran, so the isolate stays in the pool.
      if (signal?.aborted) return finish(true, abortError(signal, 'the sandbox run'));

      const execute = async () => {
        prepared = await this.pool.takeContext(slot);
        if (settled) return releaseContext(prepared);
        const cpuStart = slot.isolate.cpuTime;
        const cpuBudgetNs = BigInt(limits.cpuMs) * 1_000_000n;
        // `timeout` below bounds the call; this also catches CPU the call's timer does not see.
        cpuTimer = setInterval(
          () => {
            if (!slot.isolate.isDisposed && slot.isolate.cpuTime - cpuStart > cpuBudgetNs) breach(limitError('cpu', limits));
          },
          Math.min(250, Math.max(10, Math.floor(limits.cpuMs / 2))),
        );
        let raw: unknown;
        const callStart = performance.now();
        try {
          raw = await prepared.runner.apply(undefined, [code, namesJson, argsJson, limits.outputBytes], {
            result: { promise: true, copy: true },
            timeout: limits.cpuMs,
          });
        } catch (err) {
          if (!settled) breach(this.classify(err, slot, limits, performance.now() - callStart));
          return;
        }
        if (settled) return;
        const decoded = decodeRunnerResult(raw, limits);
        if (decoded.ok) finish(true, undefined, decoded.value);
        else finish(!decoded.breach, decoded.error);
      };
      execute().catch((err) => {
        if (!settled) breach(this.classify(err, slot, limits));
      });
    });
  }

  /**
   * Frees the run's context and hands the slot back (which starts preparing its next context)
   * once the caller has its answer: both cost host time that would otherwise delay the result.
   * Until then the slot stays busy; disposal or a catastrophic error does it at once.
   */
  private recycleAfterAnswer(slot: IsolateSlot, prepared: PreparedContext | undefined): void {
    let done = false;
    const recycle = () => {
      if (done) return;
      done = true;
      releaseContext(prepared);
      this.pool.release(slot);
    };
    slot.interrupt = recycle;
    setImmediate(recycle);
  }

  /**
   * Maps a failure of isolated-vm itself (user code's errors come back encoded by the runner,
   * never as a rejection) to the limit it stands for. isolated-vm's errors are plain `Error`s
   * with no code or property to tell them apart, so this reads the state isolated-vm exposes
   * instead of their message text:
   * - `isolate.isDisposed`: isolated-vm disposes an isolate on its own only when it exceeds its
   *   memory limit (weft disposes one only after the run is answered, and a catastrophic error
   *   answers the run through the slot's `interrupt` first), so a disposed isolate is memory;
   * - a call that failed after at least the `timeout` it was given, on an isolate still alive,
   *   was ended by that timeout (the CPU limit): the timeout cannot fire earlier, and nothing
   *   else in a call fails that late without disposing the isolate.
   * `callMs` is how long the failed call ran (undefined when the failure came before the call).
   */
  private classify(err: unknown, slot: IsolateSlot, limits: SandboxLimits, callMs?: number): SandboxError {
    if (slot.isolate.isDisposed) return limitError('memory', limits);
    if (callMs !== undefined && callMs >= limits.cpuMs) return limitError('cpu', limits);
    const message = err instanceof Error ? err.message : String(err);
    this.logger.warn({ err, isolate: slot.id }, 'sandbox: unexpected isolated-vm failure');
    return new SandboxError(`the sandbox failed: ${message}`);
  }
}

function releaseContext(prepared: PreparedContext | undefined): void {
  if (!prepared) return;
  try {
    prepared.runner.release();
    prepared.context.release();
  } catch {
    // The isolate is already gone: nothing left to free.
  }
}

/** Checks the parameter names and copies the args into JSON (the only form that enters the isolate). */
function encodeArgs(args: Record<string, unknown>): { namesJson: string; argsJson: string } {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new SandboxError('sandbox args must be an object whose keys name the parameters');
  }
  const names = Object.keys(args);
  for (const name of names) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new SandboxError(`sandbox parameter name "${name}" is not a valid identifier`);
    }
  }
  let argsJson: string;
  try {
    argsJson = JSON.stringify(args);
  } catch (err) {
    throw new SandboxError(`the sandbox input is not JSON-serialisable: ${(err as Error).message}`);
  }
  return { namesJson: JSON.stringify(names), argsJson };
}
