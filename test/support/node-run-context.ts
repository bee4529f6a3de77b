import { silentLogger } from '../../core/services/logger';
import type { NodeRunContext, TemplateScope } from '../../core/plugin/node-type';

/** A hand-built {@link NodeRunContext} for calling tools and node executors directly. */
export function nodeRunContext(
  overrides: Partial<Omit<NodeRunContext, 'scope'>> & { scope?: Partial<TemplateScope> } = {},
): NodeRunContext {
  const { scope, ...rest } = overrides;
  return {
    executionId: 'exec-1',
    workflowId: 'wf-1',
    nodeId: 'node',
    attempt: 1,
    signal: new AbortController().signal,
    logger: silentLogger,
    upstream: [],
    emitToken: () => undefined,
    progress: () => undefined,
    ...rest,
    scope: { variables: {}, inputs: {}, nodes: {}, execution: { id: 'exec-1', startedAt: '2026-01-01T00:00:00.000Z' }, ...scope },
  };
}
