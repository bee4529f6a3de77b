import type { NodeRunContext } from '../../../core';
import { nodeRunContext } from '../../support/node-run-context';

/** A hand-built {@link NodeRunContext} that records the tokens the node emits. */
export function runContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext & { tokens: string[] } {
  const tokens: string[] = [];
  return { ...nodeRunContext({ nodeId: 'ask', emitToken: (text: string) => void tokens.push(text), ...overrides }), tokens };
}
