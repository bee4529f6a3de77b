import { InvalidArgumentError, type Command } from 'commander';
import { Tokens, type Kernel, type ScheduleService } from '../core/index';
import type { CliCommand } from '../runtime/cli/cli-command';
import { shutdownOnSignal } from '../runtime/cli/shutdown-on-signal';
import { loadConfig, type WeftConfig } from '../runtime/config/weft-config';
import type { buildRuntime } from '../runtime/composition/build-runtime';
import type { listenApp } from './listen-app';

/** Longest a stuck handle may keep the process alive once shutdown is done. */
const EXIT_GRACE_MS = 5_000;

/**
 * `weft serve [--port N] [--host H]`: API, executor and scheduler in one process (SQLite under
 * `WEFT_DATA_DIR` unless `DATABASE_URL` names PostgreSQL). SIGTERM/SIGINT drain: stop accepting
 * requests and fires, let running nodes finish up to `WEFT_SHUTDOWN_DEADLINE_MS`, leave the rest
 * resumable, close the database, exit 0.
 */
export const serveCommand: CliCommand = {
  register(program: Command) {
    program
      .command('serve')
      .description('serve the REST API, run the scheduler and execute workflows')
      .option('-p, --port <port>', 'port (default WEFT_PORT or 8080; 0 picks a free one)', parsePort)
      .option('-H, --host <host>', 'interface (default WEFT_HOST or 127.0.0.1)')
      .action(async (opts: { port?: number; host?: string }) => {
        process.exitCode = await serve(opts);
        setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
      });
  },
};

async function serve(opts: { port?: number; host?: string }): Promise<number> {
  let config: WeftConfig;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`weft serve: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.port !== undefined) config = { ...config, port: opts.port };
  if (opts.host !== undefined) config = { ...config, host: opts.host };
  let runtime: Awaited<ReturnType<typeof buildRuntime>>;
  try {
    // loaded on demand so `weft --help` and the other commands start fast
    runtime = await (await import('../runtime/composition/build-runtime')).buildRuntime(config);
  } catch (err) {
    process.stderr.write(`weft serve: ${(err as Error).message}\n`);
    return 1;
  }
  const log = runtime.logger.child({ component: 'serve' });
  let listening: Awaited<ReturnType<typeof listenApp>> | null = null;
  let schedules: ScheduleService | null = null;
  try {
    await bootstrapAdminKey(runtime.kernel, config);
    await runtime.recover();
    runtime.startWaits();
    runtime.persistence?.startRetention();
    schedules = optionalScheduleService(runtime.kernel);
    await schedules?.start();
    const { createApp } = await import('./create-app');
    const { listenApp } = await import('./listen-app');
    const weft = createApp({ kernel: runtime.kernel, config, logger: runtime.logger, version: packageVersion() });
    listening = await listenApp(weft, config.port, config.host);
  } catch (err) {
    log.error({ err }, 'startup failed');
    process.stderr.write(`weft serve: ${(err as Error).message}\n`);
    await schedules?.stop().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    return 1;
  }
  process.stdout.write(`weft listening on ${listening.url}\n`);
  log.info({ url: listening.url, persistent: runtime.persistent }, 'weft listening');

  const server = listening;
  return shutdownOnSignal(log, config.shutdownDeadlineMs, async () => {
    // stop taking work: no new connections or fires, then let running executions reach a node boundary
    const closing = server.close(config.shutdownDeadlineMs + 1_000);
    await schedules?.stop();
    // no more wakes: an execution woken now would only be interrupted by the drain
    await runtime.waits?.stop();
    await runtime.kernel.executor.drain(config.shutdownDeadlineMs);
    await closing;
    await runtime.close();
  });
}

/**
 * With no key in the database, creates the first admin key: `WEFT_ADMIN_KEY` when set (not
 * printed: the operator already has it), else a random one printed once on stdout and never logged.
 */
async function bootstrapAdminKey(kernel: Kernel, config: WeftConfig): Promise<void> {
  const keys = kernel.get(Tokens.ApiKeyStore);
  if ((await keys.count()) > 0) return;
  if (config.adminKey) {
    await keys.create('admin', { name: 'bootstrap', plainKey: config.adminKey });
    process.stdout.write('weft: created the bootstrap admin API key from WEFT_ADMIN_KEY\n');
    return;
  }
  const { key } = await keys.create('admin', { name: 'bootstrap' });
  process.stdout.write(`weft: created an admin API key (shown only this once): ${key}\n`);
}

function optionalScheduleService(kernel: Kernel): ScheduleService | null {
  return kernel.has(Tokens.ScheduleService) ? kernel.get(Tokens.ScheduleService) : null;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535 (got "${value}")`);
  return n;
}

function packageVersion(): string {
  try {
    // read at run time from the package root (dist/api/ → ../../), not compiled into dist
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
