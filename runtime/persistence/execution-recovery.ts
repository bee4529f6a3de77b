import { ErrorCodes } from '../../core/errors/error-codes';
import type { ExecutionTrigger } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { ExecuteOptions, ExecutionHandle } from '../../core/executor/execute-options';
import { silentLogger, type Logger } from '../../core/services/logger';
import type { SqlExecutionStore } from './sql-execution-store';
import { lineageOfRow } from './execution-row-mapper';
import { fromJson, msToIso } from './sql-codec';
import { interruptOp, takeOverOp } from './execution-sql';
import { isStale } from './execution-owner';

export { isStale };

/** What recovery needs of the executor. */
export interface ResumingExecutor {
  start(definition: WorkflowDefinition, options: ExecuteOptions): Promise<ExecutionHandle>;
}

export interface RecoveryOptions {
  store: SqlExecutionStore;
  /** The pinned definition of a workflow version (usually `workflowStore.getVersion`). */
  getDefinition(workflowId: string, version: number): Promise<WorkflowDefinition | null>;
  executor: ResumingExecutor;
  logger?: Logger;
  /** An owner whose heartbeat is older than this is dead (default: the store's, 30 s; heartbeats come every 10 s). */
  staleAfterMs?: number;
  now?: () => number;
}

export interface RecoveryReport {
  /** Executions resumed, with their handles (`done` settles when each finishes). */
  resumed: ExecutionHandle[];
  /** Executions ended `failed` with reason `interrupted`. */
  interrupted: string[];
}

interface RunningRow {
  id: string;
  workflow_id: string;
  workflow_version: number;
  triggered_by: string;
  inputs: string;
  started_at: unknown;
  owner: string | null;
  heartbeat_at: unknown;
  definition: string | null;
  parent_execution_id: string | null;
  parent_node_id: string | null;
  item_index: unknown;
  rerun_of: string | null;
}

/**
 * Takes over executions left `running` by processes that are gone: each is claimed (a
 * conditional update, so two recovering processes never both take one), then resumed from its
 * persisted node results with its pinned definition (finished nodes are not run again; nodes that
 * were in flight run again). When that is impossible — the version is gone, the definition no
 * longer validates — the execution ends `failed` with reason `interrupted`.
 */
export async function recoverExecutions(options: RecoveryOptions): Promise<RecoveryReport> {
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const report: RecoveryReport = { resumed: [], interrupted: [] };
  await store.flush();
  const rows: RunningRow[] = await store
    .knex('workflow_execution')
    .where({ status: 'running' })
    .select(
      'id',
      'workflow_id',
      'workflow_version',
      'triggered_by',
      'inputs',
      'started_at',
      'owner',
      'heartbeat_at',
      'definition',
      'parent_execution_id',
      'parent_node_id',
      'item_index',
      'rerun_of',
    );
  for (const row of rows) {
    if (!isStale(row, store.owner, now() - (options.staleAfterMs ?? store.staleAfterMs))) continue;
    if (!(await claim(store, row, now()))) continue;
    const id = String(row.id);
    let definition: WorkflowDefinition | null = null;
    try {
      definition =
        (await options.getDefinition(row.workflow_id, Number(row.workflow_version))) ?? fromJson<WorkflowDefinition>(row.definition);
    } catch (err) {
      logger.warn({ executionId: id, err: (err as Error).message }, 'cannot load the definition of an interrupted execution');
    }
    if (!definition) {
      await interruptExecution(
        store,
        id,
        `workflow ${row.workflow_id} version ${row.workflow_version} is not available to resume execution ${id}`,
        now(),
      );
      report.interrupted.push(id);
      continue;
    }
    try {
      store.trackDefinition(id, definition);
      const nodes = await store.listNodeExecutions(id);
      const handle = await options.executor.start(definition, {
        executionId: id,
        workflowId: row.workflow_id,
        workflowVersion: Number(row.workflow_version),
        inputs: fromJson<Record<string, unknown>>(row.inputs) ?? {},
        trigger: row.triggered_by as ExecutionTrigger,
        resume: { startedAt: msToIso(row.started_at)!, nodes },
        lineage: lineageOfRow(row),
      });
      report.resumed.push(handle);
      logger.info(
        { executionId: id, finishedNodes: nodes.filter((n) => n.status !== 'running').length },
        'resumed an interrupted execution',
      );
    } catch (err) {
      await interruptExecution(store, id, `execution ${id} could not be resumed: ${(err as Error).message}`, now());
      report.interrupted.push(id);
    }
  }
  if (report.resumed.length || report.interrupted.length) {
    logger.info({ resumed: report.resumed.length, interrupted: report.interrupted.length }, 'recovered interrupted executions');
  }
  return report;
}

async function claim(store: SqlExecutionStore, row: RunningRow, nowMs: number): Promise<boolean> {
  const heartbeat = row.heartbeat_at === null ? null : Number(row.heartbeat_at);
  const epoch = await store.writer.run(
    takeOverOp(String(row.id), store.owner, nowMs, { status: 'running', owner: row.owner, heartbeat_at: heartbeat }),
  );
  if (epoch === null) return false;
  store.holdClaim(String(row.id), epoch);
  return true;
}

/** Ends an execution `failed`/`interrupted`; nodes that were in flight end `failed` with the same code. */
export async function interruptExecution(store: SqlExecutionStore, id: string, message: string, nowMs: number): Promise<void> {
  const error = { type: 'WeftError', code: ErrorCodes.WF_INTERRUPTED, message, reason: 'interrupted' };
  const nodeError = { type: 'WeftError', code: ErrorCodes.WF_INTERRUPTED, message: 'the process running this node stopped' };
  await store.writer.run(interruptOp(id, JSON.stringify(error), JSON.stringify(nodeError), nowMs));
}
