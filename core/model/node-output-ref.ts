/**
 * How a node output too large to travel inline (above `WEFT_INLINE_OUTPUT_BYTES`) appears in an
 * execution document: where to fetch it, and how many bytes of JSON that route answers.
 */
export interface NodeOutputRef {
  $ref: string;
  bytes: number;
}

/** The route that answers one node's whole output. */
export function nodeOutputPath(executionId: string, nodeId: string): string {
  return `/api/v1/executions/${encodeURIComponent(executionId)}/nodes/${encodeURIComponent(nodeId)}/output`;
}

export function nodeOutputRef(executionId: string, nodeId: string, bytes: number): NodeOutputRef {
  return { $ref: nodeOutputPath(executionId, nodeId), bytes };
}

/** True for a stored reference (exactly `$ref` and `bytes`), not for a user output that happens to carry a `$ref` key among others. */
export function isNodeOutputRef(value: unknown): value is NodeOutputRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  return keys.length === 2 && typeof v.$ref === 'string' && typeof v.bytes === 'number' && v.$ref.startsWith('/api/v1/executions/');
}

/** The execution a reference points into (a re-run's copied nodes name the original's). */
export function refExecutionId(ref: NodeOutputRef): string {
  const rest = ref.$ref.slice('/api/v1/executions/'.length);
  return decodeURIComponent(rest.slice(0, rest.indexOf('/')));
}
