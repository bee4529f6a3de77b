import type { Logger } from '../../core/services/logger';

/**
 * Waits for SIGTERM or SIGINT, then runs `shutdown` (stop taking work, drain, close). Resolves
 * to the process's exit code: 0 when the shutdown completed, 1 when it failed (logged).
 */
export async function shutdownOnSignal(log: Logger, deadlineMs: number, shutdown: () => Promise<void>): Promise<number> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal, deadlineMs }, 'shutting down');
  try {
    await shutdown();
    log.info('stopped');
    return 0;
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    return 1;
  }
}
