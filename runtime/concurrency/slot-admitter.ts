import type { ExecuteOptions, ExecutionHandle } from '../../core/executor/execute-options';
import type { ExecutionTrigger } from '../../core/model/execution-document';
import { TERMINAL_EXECUTION_STATUSES } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { EventBus } from '../../core/events/event-bus';
import { neverStartedNodeRows } from '../persistence/execution-row-mapper';
import type { Logger } from '../../core/services/logger';
import { ConflictError } from '../../core/errors/weft-error';
import type { SqlExecutionStore } from '../persistence/sql-execution-store';
import { interruptExecution } from '../persistence/execution-recovery';
import { fromJson, msToIso } from '../persistence/sql-codec';
import { admitGroupOp, admitOneOp, type AdmissionResult, type AdmissionTarget, type Admitted, type SlotGroup } from './slot-admission-sql';

/** Where this process's admitted executions go: run here, or queued for `weft worker`s. */
export type AdmitterMode =
  | {
      kind: 'local';
      executor: { start(definition: WorkflowDefinition, options: ExecuteOptions): Promise<ExecutionHandle> };
      workflowStore: Pick<WorkflowStore, 'getVersion'>;
    }
  | { kind: 'queue'; send: Extract<AdmissionTarget, { kind: 'queue' }>['send'] };

export interface SlotAdmitterDeps {
  store: SqlExecutionStore;
  mode: AdmitterMode;
  logger: Logger;
  /** Execution ends published here free slots at once (the sweep catches the rest). */
  bus?: EventBus;
  /** How often every group with a queue is looked at (a slot freed by a crash, a cancel or another process). Default 1000 ms; 0: never. */
  sweepMs?: number;
  now?: () => number;
}

/** What admitting an execution came to: its handle when it runs here. */
export interface AdmissionOutcome {
  status: 'pending' | 'running' | 'skipped';
  handle?: ExecutionHandle;
}

/**
 * Per-workflow concurrency (DESIGN.md "Growing past one machine"): executions held to
 * `settings.concurrency` are recorded `pending` and get a slot here — now, when an execution of
 * their group ends, or on the sweep. The admission itself is one SQL transaction
 * ({@link admitGroupOp}), so every process sharing the database keeps the same limit.
 */
export class SlotAdmitter {
  private readonly sweepTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void) | null = null;
  /** Workflows with an admission round queued (coalesced: one round serves many ends). */
  private readonly kicked = new Set<string>();
  private sweeping = false;
  private closed = false;
  private readonly now: () => number;
  private readonly target: AdmissionTarget;

  constructor(private readonly deps: SlotAdmitterDeps) {
    this.now = deps.now ?? Date.now;
    this.target = deps.mode.kind === 'local' ? { kind: 'local', owner: deps.store.owner } : { kind: 'queue', send: deps.mode.send };
    const every = deps.sweepMs ?? 1000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), every);
      this.sweepTimer.unref();
    }
    if (deps.bus) {
      this.unsubscribe = deps.bus.subscribe((e) => {
        if (e.kind === 'execution' && TERMINAL_EXECUTION_STATUSES.includes(e.status)) this.kick(e.workflowId);
      });
    }
  }

  /**
   * Gives a slot to what waits in `group`. `only` names a newly recorded execution, whose outcome
   * is returned; with `skip` (`onLimit: "skip"`) only it is considered, and recorded `skipped` when
   * no slot is free. Admitted executions start (here or in the queue).
   */
  async admit(
    group: SlotGroup,
    only?: { id: string; limit: number; definition: WorkflowDefinition; skip: boolean },
  ): Promise<AdmissionOutcome | null> {
    const { store } = this.deps;
    const op = only?.skip
      ? admitOneOp(store.dialect, group, only.id, only.limit, this.target, this.now, () =>
          neverStartedNodeRows(only.id, only.definition, 'skipped'),
        )
      : admitGroupOp(store.dialect, group, this.target, this.now);
    const result: AdmissionResult = await store.writer.run(op);
    let mine: AdmissionOutcome | null = null;
    if (result.skipped && only) {
      mine = { status: 'skipped' };
      // it never ran, so its end is its only event: live viewers of the workflow see it like any end
      const at = new Date(this.now()).toISOString();
      this.deps.bus?.publish({ kind: 'execution', status: 'skipped', executionId: only.id, workflowId: group.workflowId, seq: 1, at });
    }
    for (const a of result.admitted) {
      const handle = await this.launch(group, a, a.id === only?.id ? only.definition : undefined);
      if (a.id === only?.id) mine = { status: handle ? 'running' : 'pending', handle: handle ?? undefined };
    }
    return mine;
  }

  /** Admits what waits in every group of `workflowId` (soon, once per burst of calls). */
  kick(workflowId: string): void {
    if (this.closed || this.kicked.has(workflowId)) return;
    this.kicked.add(workflowId);
    setImmediate(() => {
      this.kicked.delete(workflowId);
      void this.admitWorkflow(workflowId).catch((err) =>
        this.deps.logger.warn({ err: (err as Error).message, workflowId }, 'concurrency admission failed; the sweep retries'),
      );
    });
  }

  /** One pass over every group with a queue. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.closed || this.deps.store.writer.isClosed) return;
    this.sweeping = true;
    try {
      const rows = await this.deps.store.query(
        "select distinct workflow_id, concurrency_key from workflow_execution where concurrency_key is not null and status = 'pending' and admitted_at is null",
        [],
      );
      for (const r of rows) if (!this.closed) await this.admit({ workflowId: String(r.workflow_id), key: String(r.concurrency_key) });
    } catch (err) {
      if (!this.closed) this.deps.logger.warn({ err: (err as Error).message }, 'concurrency sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** Stops the sweep and the event subscription. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.unsubscribe?.();
  }

  private async admitWorkflow(workflowId: string): Promise<void> {
    if (this.closed || this.deps.store.writer.isClosed) return;
    const rows = await this.deps.store.query(
      "select distinct concurrency_key from workflow_execution where workflow_id = ? and concurrency_key is not null and status = 'pending' and admitted_at is null",
      [workflowId],
    );
    for (const r of rows) await this.admit({ workflowId, key: String(r.concurrency_key) });
  }

  /**
   * Runs an execution this process was admitted to run (its claim was taken with the slot); its
   * end frees the slot for the group's next. Null when it runs elsewhere (queue) or could not start.
   */
  private async launch(group: SlotGroup, a: Admitted, known?: WorkflowDefinition): Promise<ExecutionHandle | null> {
    const mode = this.deps.mode;
    if (mode.kind !== 'local' || a.epoch === null) return null;
    const { store, logger } = this.deps;
    store.holdClaim(a.id, a.epoch);
    try {
      const [row] = await store.query(
        'select workflow_id, workflow_version, triggered_by, inputs, idempotency_key, started_at, definition, parent_execution_id, parent_node_id, item_index, rerun_of from workflow_execution where id = ?',
        [a.id],
      );
      if (!row) return null;
      const version = Number(row.workflow_version);
      const definition =
        known ??
        (await mode.workflowStore.getVersion(group.workflowId, version).catch(() => null)) ??
        fromJson<WorkflowDefinition>(row.definition);
      if (!definition) {
        await interruptExecution(
          store,
          a.id,
          `workflow ${group.workflowId} version ${version} is not available to run execution ${a.id}`,
          this.now(),
        );
        return null;
      }
      store.trackDefinition(a.id, definition);
      // a re-run's copied nodes were recorded with the execution: they are taken as they are
      const nodes = await store.listNodeExecutions(a.id);
      const handle = await mode.executor.start(definition, {
        executionId: a.id,
        workflowId: group.workflowId,
        workflowVersion: version,
        inputs: fromJson<Record<string, unknown>>(row.inputs) ?? {},
        trigger: row.triggered_by as ExecutionTrigger,
        idempotencyKey: (row.idempotency_key as string | null) ?? null,
        resume: { startedAt: msToIso(row.started_at)!, nodes },
        lineage: {
          parentExecutionId: (row.parent_execution_id as string | null) ?? null,
          parentNodeId: (row.parent_node_id as string | null) ?? null,
          itemIndex: row.item_index === null || row.item_index === undefined ? null : Number(row.item_index),
          rerunOf: (row.rerun_of as string | null) ?? null,
        },
        priority: a.priority,
      });
      void handle.done.then(() => this.kick(group.workflowId));
      return handle;
    } catch (err) {
      if (err instanceof ConflictError) {
        // shutting down: it stays `running` with this process as owner, and recovery resumes it
        logger.warn({ executionId: a.id, err: err.message }, 'an admitted execution is left for recovery');
        return null;
      }
      await interruptExecution(store, a.id, `execution ${a.id} could not start: ${(err as Error).message}`, this.now()).catch(
        () => undefined,
      );
      this.kick(group.workflowId);
      return null;
    }
  }
}
