import { LimitsSchema, RetrySchema, type InlineNodeTemplate } from '../../core/index';

export const DEFAULT_MAP_CONCURRENCY = 10;
export const MAX_MAP_CONCURRENCY = 1000;

/** Config of a `map` node: `items` and exactly one of `node` (inline template) and `workflow`. */
export interface MapConfig {
  /** Templated; must be an array when the node runs. */
  items: unknown;
  node?: InlineNodeTemplate;
  workflow?: { workflowId: string; version?: number | 'latest' };
  /** Items running at once (default 10). */
  concurrency?: number;
  /** `fail` (default): the first failed item fails the node; `continue`: failed items are listed and the node succeeds. */
  onItemFailure?: 'fail' | 'continue';
}

/** JSON Schema of the config; "exactly one of node and workflow" is the node type's `validate`. */
export const mapConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {},
    node: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { type: 'string', minLength: 1, maxLength: 200 },
        config: { type: 'object' },
        retry: RetrySchema,
        timeoutMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
        limits: LimitsSchema,
      },
    },
    workflow: {
      type: 'object',
      additionalProperties: false,
      required: ['workflowId'],
      properties: {
        workflowId: { type: 'string', minLength: 1, maxLength: 200 },
        version: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'latest' }] },
      },
    },
    concurrency: { type: 'integer', minimum: 1, maximum: MAX_MAP_CONCURRENCY },
    onItemFailure: { enum: ['fail', 'continue'] },
  },
} as const;
