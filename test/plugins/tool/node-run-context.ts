import { silentLogger, type NodeRunContext } from '../../../core';

/** A hand-built {@link NodeRunContext} for calling tools and node executors directly. */
export function makeRunContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext {
  return {
    executionId: 'exec-test',
    workflowId: 'wf-test',
    nodeId: 'node',
    attempt: 1,
    signal: new AbortController().signal,
    logger: silentLogger,
    scope: { variables: {}, inputs: {}, nodes: {}, execution: { id: 'exec-test', startedAt: new Date(0).toISOString() } },
    upstream: [],
    emitToken() {},
    ...overrides,
  };
}
