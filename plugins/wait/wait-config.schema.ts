/** Config of a `wait` node: exactly one of `durationMs`, `until` and `signal`. */
export interface WaitConfig {
  /** Waits this long from when the node starts. */
  durationMs?: number;
  /** Waits until this instant (ISO 8601 with a time zone; templated). */
  until?: string;
  /** Waits for `POST /executions/:id/signals/<signal>`. */
  signal?: string;
  /** Signal waits only: fail with a `TimeoutError` when no signal came this long after the node started. */
  timeoutMs?: number;
}

/**
 * JSON Schema of the config. "Exactly one of" and the 366-day limit are checked by the node
 * type's `validate`, which names the field and says what is wrong.
 */
export const waitConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    durationMs: { type: 'integer', minimum: 0 },
    until: { type: 'string', minLength: 1, maxLength: 200 },
    signal: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    timeoutMs: { type: 'integer', minimum: 1 },
  },
} as const;
