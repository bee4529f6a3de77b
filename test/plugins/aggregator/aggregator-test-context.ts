import { silentLogger } from '../../../core/services/logger';
import type { NodeRunContext } from '../../../core/plugin/node-type';

/** A hand-built run context for calling the aggregator's executor directly. */
export function aggregatorContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext {
  return {
    executionId: 'exec-1',
    workflowId: 'wf-1',
    nodeId: 'agg',
    attempt: 1,
    signal: new AbortController().signal,
    logger: silentLogger,
    scope: { variables: {}, inputs: {}, nodes: {}, execution: { id: 'exec-1', startedAt: '2026-01-01T00:00:00.000Z' } },
    upstream: [],
    emitToken() {},
    ...overrides,
  };
}
