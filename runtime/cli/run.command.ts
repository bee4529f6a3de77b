import type { Command } from 'commander';
import type { CliCommand } from './cli-command';
import { loadConfig } from '../config/weft-config';
import { readWorkflowFile, parseInputs } from './workflow-file';
import { formatEvent, formatSummary } from './progress-printer';
import { Tokens } from '../../core/di/tokens';
import { WeftError } from '../../core/errors/weft-error';
import { exitCodeOf, out, reportFailure } from './cli-output';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { ExecutionDocument } from '../../core/model/execution-document';
import { waitForFinish } from '../../core/store/execution-waiter';
import type { BuiltRuntime } from '../composition/build-runtime';
import { WaitPoller } from '../waits/wait-poller';
import { localWakeHandler } from '../waits/wake-handlers';

/** Exit codes: 0 succeeded/partially_succeeded, 1 failed/cancelled, 2 invalid workflow or usage. */
export const runCommand: CliCommand = {
  register(program: Command) {
    program
      .command('run <file>')
      .description('run a workflow file (JSON or YAML) once')
      .option('-i, --input <key=value>', 'an input (repeatable); values parse as JSON when they can', collect, [])
      .option('--json', 'print only the execution document on stdout')
      .option('--db <sqlite-file|postgres-url>', 'record the execution in this database')
      .action(async (file: string, opts: { input: string[]; json?: boolean; db?: string }) => {
        process.exitCode = await run(file, opts);
      });
  },
};

async function run(file: string, opts: { input: string[]; json?: boolean; db?: string }): Promise<number> {
  const fail = (err: unknown, code: number) => reportFailure(err, opts.json, code);
  let definition: unknown;
  let inputs: Record<string, unknown>;
  try {
    definition = await readWorkflowFile(file);
    inputs = parseInputs(opts.input);
  } catch (err) {
    return fail(err, 2);
  }
  const config = loadConfig();
  const runtime = await (
    await import('../composition/build-runtime')
  ).buildRuntime(config, {
    persistence: opts.db ? 'database' : 'memory',
    databaseUrl: opts.db,
    logDestination: 'stderr',
    subWorkflows: !!opts.db,
  });
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted by signal'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { kernel } = runtime;
    const validation = kernel.validator.validate(definition);
    if (!validation.ok) {
      const n = validation.issues.length;
      return fail(
        new WeftError(`the workflow is invalid: ${n} problem${n === 1 ? '' : 's'}`, { code: 'WF_VALIDATION', details: validation.issues }),
        2,
      );
    }
    const def = validation.definition;
    let target = { workflowId: def.name, workflowVersion: 1 };
    if (runtime.persistent) target = await saveWorkflow(kernel.get(Tokens.WorkflowStore), def);
    const unsubscribe = opts.json
      ? () => {}
      : kernel.get(Tokens.EventBus).subscribe((e) => {
          const line = formatEvent(e);
          if (line) out(line);
        });
    let doc = await kernel.executor.run(def, { ...target, inputs, trigger: 'manual', signal: controller.signal });
    if (doc.status === 'waiting' && runtime.persistence) doc = (await waitOut(runtime, doc.id, controller.signal)) ?? doc;
    unsubscribe();
    out(opts.json ? JSON.stringify(doc, null, 2) : formatSummary(doc));
    return exitCodeOf(doc);
  } catch (err) {
    return fail(err, err instanceof WeftError && err.code === 'WF_VALIDATION' ? 2 : 1);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runtime.close();
  }
}

/**
 * Waits out an execution that parked (`wait` nodes): this process polls its due timers and
 * signals (its own execution only; other executions in the database belong to the servers that
 * run them), resumes it here each time it wakes, and answers once it ends. Null when interrupted
 * (the execution stays `waiting` in the database, for `weft serve` to take over).
 */
async function waitOut(runtime: BuiltRuntime, executionId: string, signal: AbortSignal): Promise<ExecutionDocument | null> {
  const { kernel, persistence, logger } = runtime;
  const store = persistence!.executionStore;
  const poller = new WaitPoller({ store, logger, only: executionId });
  poller.start(localWakeHandler({ store, workflowStore: kernel.get(Tokens.WorkflowStore), executor: kernel.executor, logger }));
  try {
    return await waitForFinish(executionId, { events: kernel.get(Tokens.EventBus), executions: store }, signal);
  } finally {
    await poller.stop();
  }
}

/** Saves the file's workflow as `wf_<name>` (a new version when it changed) so history queries see the run. */
async function saveWorkflow(store: WorkflowStore, def: WorkflowDefinition): Promise<{ workflowId: string; workflowVersion: number }> {
  const id = `wf_${def.name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, 100)}`;
  const existing = await store.get(id);
  const record = !existing
    ? await store.create(def, id)
    : JSON.stringify(existing.definition) === JSON.stringify(def)
      ? existing
      : await store.update(id, def);
  return { workflowId: record.id, workflowVersion: record.version };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
