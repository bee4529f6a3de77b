/** The transforms an adapter node can apply. */
export const ADAPTER_TRANSFORMS = ['json_to_dataframe', 'dataframe_to_json', 'map_fields', 'filter', 'code'] as const;
export type AdapterTransformName = (typeof ADAPTER_TRANSFORMS)[number];

/** Config of an `adapter` node. Which fields apply depends on `transform`. */
export interface AdapterConfig {
  transform: AdapterTransformName;
  /** The value to transform (templated). Default: the output of the node's only upstream node. */
  input?: unknown;
  /** `map_fields`: `{ newName: "source.path[0].x" }`; only mapped fields are kept. */
  mapping?: Record<string, string>;
  /** `map_fields`: what a missing source path gives, `null` (default) or an error. */
  missing?: 'null' | 'error';
  /** `filter`: strict-boolean expression evaluated once per row. */
  where?: string;
  /** `code`: body of an async function of `input` and a read-only `variables`, run in the sandbox. */
  code?: string;
}

/** JSON Schema of the config; per-transform requirements are checked by the node type's `validate`. */
export const adapterConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['transform'],
  properties: {
    transform: { enum: [...ADAPTER_TRANSFORMS] },
    input: {},
    mapping: { type: 'object', additionalProperties: { type: 'string' } },
    missing: { enum: ['null', 'error'] },
    where: { type: 'string' },
    code: { type: 'string' },
  },
} as const;
