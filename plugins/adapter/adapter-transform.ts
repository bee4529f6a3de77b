import type { ExpressionEngine, NodeRunContext, Sandbox, ValidationIssue } from '../../core/index';
import type { AdapterConfig, AdapterTransformName } from './adapter-config.schema';

/** Services the adapter node type receives. */
export interface AdapterDeps {
  expressions: ExpressionEngine;
  sandbox: Sandbox;
}

/** What a transform gets besides its input. */
export interface TransformRun {
  config: AdapterConfig;
  ctx: NodeRunContext;
  deps: AdapterDeps;
  /** Throws a `NodeExecutionError` naming the node (a plain function: transforms destructure it). */
  fail: (message: string) => never;
}

/** One adapter transform; one file each. */
export interface AdapterTransform {
  name: AdapterTransformName;
  /** Config keys this transform reads besides `transform` and `input` (others are flagged). */
  fields: readonly string[];
  /** Keys among `fields` that must be present. */
  required?: readonly string[];
  /** Static checks of this transform's fields (paths prefixed with `config.`). */
  validate?(config: AdapterConfig, deps: AdapterDeps): ValidationIssue[];
  run(input: unknown, run: TransformRun): unknown;
}
