import type { Command } from 'commander';
import type { CliCommand } from './cli-command';
import { loadConfig } from '../config/weft-config';
import { formatEvent, formatSummary } from './progress-printer';
import { exitCodeOf, out, reportFailure } from './cli-output';
import { Tokens } from '../../core/di/tokens';
import { InlineExecutionDispatcher } from '../queue/execution-dispatcher';
import { RerunService } from '../rerun/rerun.service';

interface RerunOptions {
  from?: string;
  latest?: boolean;
  json?: boolean;
  db: string;
}

/** `weft rerun <executionId>`: re-runs a recorded execution in this process. Exit codes as `weft run` (2: bad request). */
export const rerunCommand: CliCommand = {
  register(program: Command) {
    program
      .command('rerun <executionId>')
      .description('re-run a finished execution from its failed (or the named) nodes, reusing what succeeded')
      .option('--from <nodes>', 'comma-separated node ids to run again (default: the nodes that did not succeed)')
      .option('--latest', "run the workflow's current version instead of the original's")
      .option('--json', 'print only the execution document on stdout')
      .requiredOption('--db <sqlite-file|postgres-url>', 'the database the execution is recorded in')
      .action(async (executionId: string, opts: RerunOptions) => {
        process.exitCode = await rerun(executionId, opts);
      });
  },
};

async function rerun(executionId: string, opts: RerunOptions): Promise<number> {
  const fromNodes =
    opts.from === undefined
      ? undefined
      : opts.from
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const runtime = await (
    await import('../composition/build-runtime')
  ).buildRuntime(loadConfig(), { databaseUrl: opts.db, logDestination: 'stderr' });
  try {
    const { kernel } = runtime;
    const service = new RerunService({
      executions: kernel.get(Tokens.ExecutionStore),
      workflows: kernel.get(Tokens.WorkflowStore),
      // always here: the command shows the re-run to its end
      dispatcher: new InlineExecutionDispatcher(kernel.executor),
    });
    const unsubscribe = opts.json
      ? () => {}
      : kernel.get(Tokens.EventBus).subscribe((e) => {
          const line = formatEvent(e);
          if (line) out(line);
        });
    let started;
    try {
      started = await service.rerun(executionId, {
        fromNodes: fromNodes?.length ? fromNodes : undefined,
        version: opts.latest ? 'latest' : 'pinned',
      });
    } catch (err) {
      unsubscribe();
      const status = (err as { code?: string }).code;
      return reportFailure(
        err,
        opts.json,
        status === 'WF_VALIDATION' || status === 'WF_NOT_FOUND' || status === 'WF_RERUN_NOT_FINISHED' ? 2 : 1,
      );
    }
    if (!opts.json) process.stderr.write(`re-run ${started.executionId} of ${executionId} (${started.reused} node(s) reused)\n`);
    const doc = await started.done!;
    unsubscribe();
    out(opts.json ? JSON.stringify(doc, null, 2) : formatSummary(doc));
    return exitCodeOf(doc);
  } catch (err) {
    return reportFailure(err, opts.json, 1);
  } finally {
    await runtime.close();
  }
}
