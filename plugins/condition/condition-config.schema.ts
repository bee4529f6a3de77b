/** One named case of a multi-way condition. */
export interface ConditionCase {
  /** The branch label selected when `expression` is true (unique, not `default`). */
  name: string;
  expression: string;
}

/** Config of a `condition` node: exactly one of `expression` and `cases`. */
export interface ConditionConfig {
  /** Selects branch `"true"` or `"false"`. */
  expression?: string;
  /** Tried in order; the first true one selects its `name`; none selects `"default"`. */
  cases?: ConditionCase[];
}

/**
 * JSON Schema of the config. "Exactly one of expression/cases", unique names and expression
 * syntax are checked by the node type's `validate`, which can say precisely what is wrong.
 */
export const conditionConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expression: { type: 'string', minLength: 1 },
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'expression'],
        properties: {
          name: { type: 'string', minLength: 1 },
          expression: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;
