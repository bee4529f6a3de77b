import { isAbsolute } from 'node:path';
import { serializeError, type SerializedError } from '../../core/errors/error-serializer';
import { NodeExecutionError, WeftError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';

/** What the host sends: export `name` of module `filename` is called with `payload`. */
export interface WorkerTask {
  filename: string;
  name: string;
  payload: unknown;
}

/** What comes back; errors travel serialised so the host rebuilds them by type and code. */
export type WorkerReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/**
 * The one entry point piscina loads in every worker thread. It requires the task's module
 * (Node caches it per thread) and calls the named export, so any module can offload work
 * without a pool of its own.
 */
export async function run(task: WorkerTask): Promise<WorkerReply> {
  try {
    if (!task || typeof task.filename !== 'string' || !isAbsolute(task.filename)) {
      throw new NodeExecutionError('worker task needs an absolute module filename', { code: ErrorCodes.WF_WORKER });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(task.filename) as Record<string, unknown>;
    const fn = mod[task.name];
    if (typeof fn !== 'function') {
      throw new NodeExecutionError(`worker module ${task.filename} has no exported function "${task.name}"`, {
        code: ErrorCodes.WF_WORKER,
      });
    }
    return { ok: true, value: await (fn as (p: unknown) => unknown)(task.payload) };
  } catch (err) {
    const error = serializeError(err);
    // Errors that are not weft errors carry no meaningful code of their own.
    if (!(err instanceof WeftError)) error.code = ErrorCodes.WF_WORKER;
    return { ok: false, error };
  }
}
