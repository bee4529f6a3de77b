import type { Logger } from '../services/logger';
import type { NodeLimits } from '../model/workflow-definition';
import type { Token } from '../di/token';

/** A problem found while validating; `path` points into the workflow (`nodes[2].config.expression`). */
export interface ValidationIssue {
  path: string;
  message: string;
  code?: string;
}

/** Read-only data a node can see: the template roots. */
export interface TemplateScope {
  variables: Readonly<Record<string, unknown>>;
  inputs: Readonly<Record<string, unknown>>;
  nodes: Readonly<Record<string, { output?: unknown; error?: unknown }>>;
  execution: Readonly<{ id: string; startedAt: string }>;
  /** Only while a node's templated fields render: the secrets they name. Never in a node's own `ctx.scope`. */
  secrets?: Readonly<Record<string, string>>;
}

/** What a node's code receives besides its (template-rendered) config. */
export interface NodeRunContext {
  executionId: string;
  workflowId: string;
  nodeId: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Aborts on cancellation, node timeout, workflow timeout and stop-on-failure. */
  signal: AbortSignal;
  logger: Logger;
  /** The node's `limits` (sandboxed node types). */
  limits?: NodeLimits;
  /** The execution's template scope (frozen data). */
  scope: TemplateScope;
  /** Outputs of the node's upstream nodes that produced one, in edge order. */
  upstream: ReadonlyArray<{ nodeId: string; output: unknown }>;
  /** Streams a token event (agent nodes). */
  emitToken(text: string): void;
  /**
   * Publishes the node's progress as a `running` node event carrying `progress` (fan-out node
   * types). Calls closer than {@link PROGRESS_INTERVAL_MS} apart are dropped, so a node may call
   * it after every item.
   */
  progress(p: NodeProgress): void;
  /**
   * True when the node may return `parkNode(...)` instead of holding on: a node of an execution
   * kept in a store that records waits (a fallback only on a child execution), not a `map` item (but an inline `workflow`
   * item, which may park on its child). Node types that can also hold on check it. A node with a
   * node-level `timeoutMs` parks with {@link deadlineAt} as its wait's `timeoutAt`, so the wait
   * does not escape it.
   */
  readonly canPark?: boolean;
  /**
   * When this attempt times out (epoch ms; null without a node-level `timeoutMs`). A woken node's
   * attempt keeps the deadline it had when it parked, and may start already past it: it then
   * takes what it waited on if that ended, else ends it and throws a `TimeoutError` itself.
   */
  deadlineAt?: number | null;
  /**
   * Set when the node runs as an item of a holder node (an inline `map` template): the item's
   * index and the holder's attempt (`attempt` is then the item's own). A node that starts child
   * executions keys them by both, so items and retried holders never share a child.
   */
  readonly item?: { readonly index: number; readonly holderAttempt: number };
}

/** How far a fan-out node is: items finished (failed ones included), failed, and in all. */
export interface NodeProgress {
  done: number;
  failed: number;
  total: number;
}

/** Progress events of one node are at least this far apart. */
export const PROGRESS_INTERVAL_MS = 250;

/** The runtime half of a node type: created once per kernel with its dependencies. */
export interface NodeExecutor<C = any> {
  /** Runs one attempt; the returned value is the node's output (for branching types: `{ branch, value }`). */
  execute(config: C, ctx: NodeRunContext): Promise<unknown>;
  /** Static checks beyond the JSON Schema (expressions parse, tool exists, ...). */
  validate?(config: C): ValidationIssue[];
  /** Signal names this node can wait for (types that park on signals): the signals route accepts only these. */
  signals?(config: C): string[];
  /** Branch labels this node can select (branching types), for edge validation. */
  branches?(config: C): string[];
}

export type DepTokens<D> = { [K in keyof D]: Token<D[K]> };

/** A node type as a plugin declares it. */
export interface NodeTypeDefinition<C = any, D = any> {
  /** Unique type name used in workflows (`tool`, `condition`, ...). */
  type: string;
  description?: string;
  /** JSON Schema of `config`; validated when a workflow is saved or validated. */
  configSchema: object;
  /** `branches`: the output is `{ branch, value }` and edges may carry `branch`. */
  outputs?: 'single' | 'branches';
  /** Config keys whose values are `{{ }}` templates rendered before `execute`. Others are passed as written. */
  templateFields?: readonly string[];
  /** Whether nodes of this type accept `limits` (sandboxed code). */
  sandboxed?: boolean;
  /**
   * Nodes of this type park (their `execute` returns `parkNode(...)`) and end later, when
   * woken: node-level `retry` and `timeoutMs` do not apply to them (a validation problem).
   */
  parks?: boolean;
  deps?: DepTokens<D>;
  create(deps: D): NodeExecutor<C>;
}

/** Identity helper that types a node type definition. */
export function defineNodeType<C, D = object>(def: NodeTypeDefinition<C, D>): NodeTypeDefinition<C, D> {
  return def;
}
