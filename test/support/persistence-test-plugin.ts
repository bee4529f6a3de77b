import { appendFileSync } from 'node:fs';
import { definePlugin, type WeftPlugin } from '../../core/plugin/plugin';
import { defineNodeType } from '../../core/plugin/node-type';
import { NodeExecutionError } from '../../core/errors/weft-error';

/** Node runs per node id (shared by a test and its plugin instance). */
export type RunCounter = Map<string, number>;

/**
 * A tiny plugin for persistence tests and the crash-test child: `echo` returns its (templated)
 * `value`; `sleep` waits `ms` (abortable), appends its node id to `log` when given, and returns
 * `value`; `fail` throws. Every run is counted in `runs`.
 */
export function persistenceTestPlugin(runs: RunCounter = new Map()): WeftPlugin {
  const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1);
  return definePlugin({
    id: 'test.persistence',
    version: '1.0.0',
    register(reg) {
      reg.addNodeType(
        defineNodeType<{ value?: unknown }>({
          type: 'echo',
          configSchema: { type: 'object', properties: { value: {} }, additionalProperties: false },
          templateFields: ['value'],
          create: () => ({
            execute: async (config, ctx) => {
              count(ctx.nodeId);
              return config.value ?? null;
            },
          }),
        }),
      );
      reg.addNodeType(
        defineNodeType<{ ms: number; log?: string; value?: unknown }>({
          type: 'sleep',
          configSchema: {
            type: 'object',
            required: ['ms'],
            properties: { ms: { type: 'integer', minimum: 0 }, log: { type: 'string' }, value: {} },
            additionalProperties: false,
          },
          templateFields: ['value'],
          create: () => ({
            execute: async (config, ctx) => {
              count(ctx.nodeId);
              await new Promise<void>((resolve, reject) => {
                const t = setTimeout(resolve, config.ms);
                ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
              });
              if (config.log) appendFileSync(config.log, `${ctx.nodeId}\n`);
              return config.value ?? { slept: config.ms };
            },
          }),
        }),
      );
      reg.addNodeType(
        defineNodeType<{ message?: string }>({
          type: 'fail',
          configSchema: { type: 'object', properties: { message: { type: 'string' } }, additionalProperties: false },
          create: () => ({
            execute: async (config, ctx) => {
              count(ctx.nodeId);
              throw new NodeExecutionError(config.message ?? 'failed on purpose');
            },
          }),
        }),
      );
    },
  });
}
