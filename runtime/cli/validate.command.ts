import type { Command } from 'commander';
import type { CliCommand } from './cli-command';
import { loadConfig } from '../config/weft-config';
import { readWorkflowFile } from './workflow-file';

/** `weft validate <file>`: prints every problem; exit 0 when valid, 2 when not. */
export const validateCommand: CliCommand = {
  register(program: Command) {
    program
      .command('validate <file>')
      .description('validate a workflow file and print every problem')
      .option('--json', 'print the result as JSON')
      .action(async (file: string, opts: { json?: boolean }) => {
        let definition: unknown;
        try {
          definition = await readWorkflowFile(file);
        } catch (err) {
          process.stderr.write(`error: ${(err as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        const runtime = await (
          await import('../composition/build-runtime')
        ).buildRuntime(loadConfig(), { persistence: 'memory', logDestination: 'stderr' });
        try {
          const r = runtime.kernel.validator.validate(definition);
          if (opts.json) {
            process.stdout.write(
              JSON.stringify(
                r.ok
                  ? { valid: true }
                  : { valid: false, error: { code: 'WF_VALIDATION', message: 'the workflow is invalid', details: r.issues } },
                null,
                2,
              ) + '\n',
            );
          } else if (r.ok) process.stdout.write(`${file}: valid (${r.definition.nodes.length} nodes)\n`);
          else {
            process.stdout.write(`${file}: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}\n`);
            for (const i of r.issues) process.stdout.write(`  - ${i.path}: ${i.message}\n`);
          }
          process.exitCode = r.ok ? 0 : 2;
        } finally {
          await runtime.close();
        }
      });
  },
};
