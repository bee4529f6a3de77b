import { ErrorCodes } from '../../core/errors/error-codes';
import { NodeExecutionError } from '../../core/errors/weft-error';
import type { NodeExecutionRecord } from '../../core/model/execution-document';

/**
 * Refuses a node output whose JSON is larger than `maxBytes` (or is not JSON at all): the
 * executor calls it before reporting the node finished, so the node fails with a clear error
 * instead of the store truncating anything. Returns the JSON text (the size was measured on it).
 */
export function assertOutputSize(nodeId: string, output: unknown, maxBytes: number, known?: string): string | null {
  let json: string | undefined = known;
  try {
    if (json === undefined) json = JSON.stringify(output);
  } catch (err) {
    throw new NodeExecutionError(`node "${nodeId}": output is not JSON-serialisable (${(err as Error).message})`, {
      code: ErrorCodes.WF_NODE_FAILED,
    });
  }
  if (json === undefined) return null;
  // a JS string's length is at most its UTF-8 size, so the exact count is only needed near the cap
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxBytes) {
      throw new NodeExecutionError(
        `node "${nodeId}": output is ${bytes} bytes, more than the ${maxBytes}-byte limit (WEFT_MAX_OUTPUT_BYTES)`,
        { code: ErrorCodes.WF_OUTPUT_TOO_LARGE, details: { nodeId, bytes, maxBytes } },
      );
    }
  }
  return json;
}

/** A node record's error as JSON; an input snapshot that would exceed `maxBytes` is left out, and the record says so. */
export function errorRecordJson(record: NodeExecutionRecord, maxBytes: number): string | null {
  if (!record.error) return null;
  const json = JSON.stringify(record.error);
  if (Buffer.byteLength(json) <= maxBytes) return json;
  const { input: _input, ...rest } = record.error;
  void _input;
  return JSON.stringify({ ...rest, inputOmitted: `the input snapshot is over the ${maxBytes}-byte limit` });
}
