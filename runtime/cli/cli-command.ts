import type { Command } from 'commander';

/** A `weft` subcommand: registers itself on the program. Commands set `process.exitCode`, never call `process.exit` mid-work. */
export interface CliCommand {
  register(program: Command): void;
}
