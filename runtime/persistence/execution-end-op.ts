import type { NodeExecutionError } from '../../core/errors/weft-error';
import type { ExecutionDocument } from '../../core/model/execution-document';
import type { WriteOp } from './sql-batch';
import { executionEndedSteps, updateExecutionOp } from './execution-sql';
import { assertOutputSize } from './output-size';
import { isoToMs, toJson } from './sql-codec';

/** What an execution ends with. */
export type ExecutionResult = Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>;

/**
 * The write that ends an execution: its row, then its waits, the signals nobody took and the
 * children it waited on; it resolves with the parent that its end makes due (or null). Outputs
 * over `maxOutputBytes` are refused: the execution still ends, `failed` with why, so it never
 * stays running, and `refused` is the error to give the caller once that is written.
 */
export function executionEndOp(
  executionId: string,
  result: ExecutionResult,
  maxOutputBytes: number,
  nowMs: number,
): { op: WriteOp<string | null>; refused: NodeExecutionError | null } {
  let outputs: string | null;
  let error = result.error;
  let status = result.status;
  let refused: NodeExecutionError | null = null;
  try {
    outputs = assertOutputSize('(workflow outputs)', result.outputs ?? undefined, maxOutputBytes);
  } catch (err) {
    refused = err as NodeExecutionError;
    outputs = null;
    status = 'failed';
    error = { type: refused.type, code: refused.code, message: refused.message };
  }
  const update = updateExecutionOp(executionId, {
    status,
    outputs,
    error: toJson(error ?? undefined),
    finished_at: result.finishedAt ? isoToMs(result.finishedAt, 'finishedAt') : nowMs,
    duration_ms: result.durationMs ?? null,
  });
  const op = function* () {
    yield* update();
    return yield* executionEndedSteps(executionId, nowMs, `parent execution ${executionId} ended ${status}`);
  };
  return { op, refused };
}
