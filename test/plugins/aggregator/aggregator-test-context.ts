import type { NodeRunContext } from '../../../core/plugin/node-type';
import { nodeRunContext } from '../../support/node-run-context';

/** A hand-built run context for calling the aggregator's executor directly. */
export function aggregatorContext(overrides: Partial<NodeRunContext> = {}): NodeRunContext {
  return nodeRunContext({ nodeId: 'agg', ...overrides });
}
