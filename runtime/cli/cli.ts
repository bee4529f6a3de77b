import { Command } from 'commander';
import type { CliCommand } from './cli-command';

/** Builds the `weft` program from its commands (the bin adds `serve` from api/). */
export function buildCli(commands: readonly CliCommand[]): Command {
  const program = new Command('weft')
    .description('weft: a workflow execution engine')
    // read at run time from the package root (dist/runtime/cli/ → ../../../), not compiled into dist
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .version((require('../../../package.json') as { version: string }).version)
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander's own usage errors (unknown option, missing argument) exit 2 like validation errors
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  for (const c of commands) c.register(program);
  return program;
}
