import { existsSync } from 'node:fs';
import { definePlugin, defineNodeType } from '../../core';

/** Longest a stall lasts even if its release file never appears (a test that forgot it still ends). */
const MAX_STALL_MS = 120_000;

/**
 * A plugin for claim-fencing tests, loaded by `weft worker` through `WEFT_PLUGINS`: a `stall`
 * node blocks its process's event loop synchronously — no timers, no I/O, no lease renewals —
 * until the file named by the process's `TEST_WEFT_STALL_UNTIL` exists (at once when unset), then
 * returns `{ pid }` so a test can tell which process's result was recorded.
 */
export default definePlugin({
  id: 'test.stall',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(
      defineNodeType<Record<string, never>>({
        type: 'stall',
        configSchema: { type: 'object', additionalProperties: false },
        create: () => ({
          async execute() {
            const file = process.env.TEST_WEFT_STALL_UNTIL;
            const end = Date.now() + MAX_STALL_MS;
            while (file && !existsSync(file) && Date.now() < end) {
              // busy: this is the stuck event loop under test
            }
            return { pid: process.pid };
          },
        }),
      }),
    );
  },
});
