import { Type, type Static } from '@sinclair/typebox';

/** Every strategy the aggregator knows. */
export const AGGREGATE_STRATEGIES = ['merge', 'concat', 'sum', 'avg', 'count', 'min', 'max', 'custom'] as const;
export type AggregateStrategy = (typeof AGGREGATE_STRATEGIES)[number];

/**
 * Config of an `aggregator` node. The rules between keys (`code` required for `custom` and
 * refused otherwise, `field` only for numeric strategies and a well-formed dot path) are checked
 * by the node type's `validate`, which can word them precisely; ajv's if/then/else cannot.
 */
export const aggregatorConfigSchema = Type.Object(
  {
    // One enum, not a union of literals: a typo gets one message, not eight.
    strategy: Type.Unsafe<AggregateStrategy>({ type: 'string', enum: [...AGGREGATE_STRATEGIES] }),
    /** The values to aggregate (templated). Default: every upstream node's output, in edge order. */
    inputs: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.String({ minLength: 1 })])),
    /** Numeric strategies: a dot path of own properties read from each value (`amount`, `price.net`). */
    field: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /** `custom`: body of an async function of `inputs` and a read-only `variables`, run in the sandbox. */
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000_000 })),
    /** Numeric strategies over more values than this run in the worker pool (overrides the global setting). */
    workerThreshold: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export type AggregatorConfig = Static<typeof aggregatorConfigSchema>;
