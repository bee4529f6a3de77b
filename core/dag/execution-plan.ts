import type { PlannedConcurrency } from './concurrency-plan';
import type { CompiledValue } from '../context/compiled-value';
import type { NodeDefinition, WorkflowDefinition } from '../model/workflow-definition';
import type { RegisteredNodeType } from '../plugin/node-type-registry';
import type { RetryPolicy } from '../executor/retry-policy';

/** One node, planned: indices instead of ids on the hot path. */
export interface PlannedNode {
  index: number;
  id: string;
  definition: NodeDefinition;
  nodeType: RegisteredNodeType;
  /** Config with `templateFields` compiled; other keys constant. */
  config: CompiledValue;
  /** Incoming edges: upstream node index per edge (edge order). */
  upstream: number[];
  /** Outgoing edges. */
  downstream: Array<{ to: number; branch: string | null }>;
  retry: RetryPolicy | null;
  /** Index of the fallback node, or -1. */
  fallback: number;
  /** True for nodes that only run as another node's fallback. */
  isFallback: boolean;
  branching: boolean;
  /** Secrets its templated fields name (`{{ secrets.NAME }}`), read when the node starts. */
  secretNames: readonly string[];
}

/** A validated workflow ready to run many times. */
export interface ExecutionPlan {
  definition: WorkflowDefinition;
  nodes: PlannedNode[];
  byId: Map<string, number>;
  /** Nodes scheduled on their own (not fallbacks). */
  scheduledCount: number;
  outputs: CompiledValue | null;
  /** Every secret a node of the workflow names (a trigger's secret is checked where the workflow is saved). */
  secretNames: readonly string[];
  settings: {
    onNodeFailure: 'stop' | 'continue';
    failureThreshold: number | null;
    maxParallel: number | null;
    timeoutMs: number | null;
    /** `settings.concurrency` (null: no limit). */
    concurrency: PlannedConcurrency | null;
  };
}
