import { Option, type Command } from 'commander';
import type { CliCommand } from './cli-command';
import { loadConfig } from '../config/weft-config';
import type { openPersistence } from '../persistence/persistence';
import { serializeError } from '../../core/errors/error-serializer';
import { ValidationError } from '../../core/errors/weft-error';
import type { ApiKeyRole } from '../../core/store/api-key-store';

/**
 * `weft keys create --role <admin|operator|viewer> [--name N]`: makes an API key in the
 * configured database and prints only the key on stdout (it is stored hashed: this is the one
 * time it can be read).
 */
export const keysCommand: CliCommand = {
  register(program: Command) {
    const keys = program.command('keys').description('manage API keys');
    keys
      .command('create')
      .description('create an API key and print it (only the key) on stdout')
      .addOption(
        new Option('--role <role>', 'admin, operator (read, execute, cancel) or viewer (read)')
          .choices(['admin', 'operator', 'viewer'])
          .makeOptionMandatory(),
      )
      .option('--name <name>', 'a label for the key')
      .action(async (opts: { role: ApiKeyRole; name?: string }) => {
        process.exitCode = await createKey(opts);
      });
  },
};

async function createKey(opts: { role: ApiKeyRole; name?: string }): Promise<number> {
  let persistence: Awaited<ReturnType<typeof openPersistence>> | null = null;
  try {
    persistence = await (await import('../persistence/persistence')).openPersistence(loadConfig());
    const { key } = await persistence.apiKeyStore.create(opts.role, opts.name !== undefined ? { name: opts.name } : {});
    process.stdout.write(`${key}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`weft keys create: ${serializeError(err, false).message}\n`);
    return err instanceof ValidationError ? 2 : 1;
  } finally {
    await persistence?.close();
  }
}
