import type { NodeRunContext } from '../../../core';
import { nodeRunContext } from '../../support/node-run-context';

/** A hand-built {@link NodeRunContext} for calling tools directly. */
export function makeRunContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext {
  return nodeRunContext({ executionId: 'exec-test', workflowId: 'wf-test', ...overrides });
}
