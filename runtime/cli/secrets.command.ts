import type { Command } from 'commander';
import type { CliCommand } from './cli-command';
import { loadConfig } from '../config/weft-config';
import type { Persistence } from '../persistence/persistence';
import { serializeError } from '../../core/errors/error-serializer';
import { NotFoundError, ValidationError } from '../../core/errors/weft-error';
import { MAX_SECRET_BYTES } from '../../core/secrets/secret-store';

/**
 * `weft secrets set NAME` (the value from stdin, never argv: argv shows in `ps` and shell
 * history), `weft secrets list` (names and timestamps), `weft secrets rm NAME`, against the
 * configured database.
 */
export const secretsCommand: CliCommand = {
  register(program: Command) {
    const secrets = program.command('secrets').description('manage secrets (values are stored encrypted and never printed)');
    secrets
      .command('set <name>')
      .description('create or replace a secret; the value is read from stdin (one trailing newline is dropped)')
      .action(async (name: string) => {
        process.exitCode = await withStore('set', async (p) => {
          const value = await readStdin(MAX_SECRET_BYTES + 2);
          await p.secretStore.set(name, value.replace(/\r?\n$/, ''));
          process.stderr.write(`secret ${name} stored\n`);
        });
      });
    secrets
      .command('list')
      .description('list secret names with their creation and update times')
      .action(async () => {
        process.exitCode = await withStore('list', async (p) => {
          for (const s of await p.secretStore.list()) process.stdout.write(`${s.name}\t${s.createdAt}\t${s.updatedAt}\n`);
        });
      });
    secrets
      .command('rm <name>')
      .description('delete a secret')
      .action(async (name: string) => {
        process.exitCode = await withStore('rm', async (p) => {
          if (!(await p.secretStore.delete(name))) throw new NotFoundError(`secret "${name}" not found`);
        });
      });
  },
};

async function withStore(verb: string, body: (p: Persistence) => Promise<void>): Promise<number> {
  let persistence: Persistence | null = null;
  try {
    persistence = await (await import('../persistence/persistence')).openPersistence(loadConfig());
    await body(persistence);
    return 0;
  } catch (err) {
    process.stderr.write(`weft secrets ${verb}: ${serializeError(err, false).message}\n`);
    return err instanceof ValidationError || err instanceof NotFoundError ? 2 : 1;
  } finally {
    await persistence?.close();
  }
}

/** All of stdin as UTF-8, refusing more than `maxBytes`. */
async function readStdin(maxBytes: number): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('value (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ValidationError(`a secret value must be at most ${MAX_SECRET_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
