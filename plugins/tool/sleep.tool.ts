import type { NodeRunContext, ToolDefinition } from '../../core';

/** Input of `core.sleep`. */
export interface SleepInput {
  ms: number;
  value?: unknown;
}

/** `core.sleep`: waits `ms` milliseconds, then returns `value` (or null). Aborting the signal ends the wait at once. */
export const sleepTool: ToolDefinition<SleepInput, unknown> = {
  name: 'core.sleep',
  description: 'Waits `ms` milliseconds (honouring cancellation), then returns `value` or null.',
  inputSchema: {
    type: 'object',
    properties: {
      // setTimeout overflows above 2^31-1 ms and would fire at once; one day is far below that.
      ms: { type: 'integer', minimum: 0, maximum: 86_400_000 },
      value: {},
    },
    required: ['ms'],
    additionalProperties: false,
  },
  outputSchema: {},
  async execute(input, ctx) {
    await sleep(input.ms, ctx.signal);
    return input.value === undefined ? null : input.value;
  },
};

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts (clearing the timer, so nothing lingers). */
export function sleep(ms: number, signal: NodeRunContext['signal']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
