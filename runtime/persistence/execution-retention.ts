import type { Knex } from '@mikro-orm/knex';
import { ValidationError } from '../../core/errors/weft-error';
import { TERMINAL_EXECUTION_STATUSES } from '../../core/model/execution-document';
import { silentLogger, type Logger } from '../../core/services/logger';

const DAY_MS = 86_400_000;

/**
 * Deletes finished executions that started before `olderThan`, with their node executions, large node outputs and map items, in
 * batches (each its own short transaction, so writers are never blocked for long). Running
 * executions are never pruned. Returns how many executions were deleted.
 */
export async function pruneExecutions(knex: Knex, olderThan: Date, batchSize = 500): Promise<number> {
  const cutoff = olderThan instanceof Date ? olderThan.getTime() : NaN;
  if (!Number.isFinite(cutoff)) throw new ValidationError('olderThan must be a valid Date');
  let total = 0;
  for (;;) {
    const ids = (
      await knex('workflow_execution')
        .where('started_at', '<', cutoff)
        .whereIn('status', [...TERMINAL_EXECUTION_STATUSES])
        .select('id')
        .limit(batchSize)
    ).map((r: { id: string }) => r.id);
    if (!ids.length) return total;
    await knex.transaction(async (trx) => {
      await trx('map_item').whereIn('execution_id', ids).delete();
      await trx('node_output').whereIn('execution_id', ids).delete();
      await trx('node_execution').whereIn('execution_id', ids).delete();
      await trx('workflow_execution').whereIn('id', ids).delete();
    });
    total += ids.length;
    if (ids.length < batchSize) return total;
  }
}

export interface RetentionOptions {
  prune(olderThan: Date): Promise<number>;
  /** `config.retentionDays`; 0 disables pruning. */
  retentionDays: number;
  /** How often to prune; default hourly. The first run is right away. */
  intervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

/** Prunes executions older than `retentionDays` now and then periodically; `stop()` ends it. */
export function startRetention(options: RetentionOptions): { stop(): Promise<void> } {
  if (!(options.retentionDays > 0)) return { stop: async () => undefined };
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    const olderThan = new Date(now() - options.retentionDays * DAY_MS);
    running = options
      .prune(olderThan)
      .then((n) => {
        if (n) logger.info({ pruned: n, olderThan: olderThan.toISOString() }, 'pruned old executions');
      })
      .catch((err) => logger.error({ err: (err as Error).message }, 'pruning executions failed'))
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
