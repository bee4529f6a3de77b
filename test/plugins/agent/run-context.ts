import { silentLogger, type NodeRunContext } from '../../../core';

/** A hand-built {@link NodeRunContext} that records the tokens the node emits. */
export function runContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext & { tokens: string[] } {
  const tokens: string[] = [];
  return {
    executionId: 'exec-1',
    workflowId: 'wf-1',
    nodeId: 'ask',
    attempt: 1,
    signal: new AbortController().signal,
    logger: silentLogger,
    scope: { variables: {}, inputs: {}, nodes: {}, execution: { id: 'exec-1', startedAt: new Date(0).toISOString() } },
    upstream: [],
    emitToken: (text: string) => void tokens.push(text),
    ...overrides,
    tokens,
  };
}
