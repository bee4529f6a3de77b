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

/**
 * The references {@link nodeOutputRef} made, that is outputs a store kept apart: a user output of
 * the very same shape (`{ "$ref": "/api/v1/executions/…", "bytes": n }`, say a workflow that
 * relays weft's own documents) is data, and only provenance tells the two apart.
 */
const made = new WeakSet<object>();

export function nodeOutputRef(executionId: string, nodeId: string, bytes: number): NodeOutputRef {
  const ref = { $ref: nodeOutputPath(executionId, nodeId), bytes };
  made.add(ref);
  return ref;
}

/** True for a reference to an output kept apart (made by {@link nodeOutputRef}), false for any user output, whatever its shape. */
export function isNodeOutputRef(value: unknown): value is NodeOutputRef {
  return typeof value === 'object' && value !== null && made.has(value);
}

/** The execution a reference points into (a re-run's copied nodes name the original's). */
export function refExecutionId(ref: NodeOutputRef): string {
  const rest = ref.$ref.slice('/api/v1/executions/'.length);
  return decodeURIComponent(rest.slice(0, rest.indexOf('/')));
}
