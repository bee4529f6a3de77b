import type { NodeExecutionRecord } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { CancelRequestListener, CancelRequestOutcome, ExecutionStartRecord, ExecutionStore } from '../../core/store/execution-store';
import type { NodeOutputRef } from '../../core/model/node-output-ref';
import { silentLogger, type Logger } from '../../core/services/logger';
import { GroupCommitWriter } from './group-commit-writer';
import type { SqlConnection } from './sql-batch';
import type { ExecutionClaims } from './execution-claims';
import { FENCED, fencedOp, startExecutionOp } from './execution-sql';
import { executionEndOp, type ExecutionResult } from './execution-end-op';
import { upsertNodeSteps } from './node-upsert-sql';
import type { CancelRequestWatcher } from './cancel-request-watcher';
import { ExecutionOwnership } from './execution-ownership';
import { claimToRun, requestCancel, takeOverToResume } from './execution-takeover';
import { CursorCodec } from '../../core/store/cursor-codec';
import { assertStartRecord, executionStartRow, nodeRow, nodeRowKey } from './execution-row-mapper';
import { SqlExecutionReader } from './sql-execution-reader';
import { NodeOutputKeeper } from './node-output-keeper';
import type { SqlExecutionStoreOptions } from './sql-execution-store-options';
import { errorRecordJson } from './output-size';
import { fromJson } from './sql-codec';
import { defaultOwner } from './execution-owner';
import type { PersistenceDialect } from './migrations/migration-list';
import type { WaitSpec } from '../../core/plugin/park-request';
import { deleteWaitOp, insertWaitOp, parkExecutionOp } from './wait-sql';
import { NodePositions } from './node-positions';

/**
 * The {@link ExecutionStore} on SQLite or PostgreSQL. Every write goes through one
 * {@link GroupCommitWriter}: node starts are queued (lazy), node finishes and execution
 * records are durable when their promise resolves, and everything queued together shares one
 * transaction. Reads use the query builder with bound parameters only.
 */
export class SqlExecutionStore extends SqlExecutionReader implements ExecutionStore {
  readonly writer: GroupCommitWriter;
  /** Which node outputs go to `node_output` (and which just went, for the executor to drop from memory). */
  private readonly outputs: NodeOutputKeeper;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Node order of executions running here, so documents list nodes in definition order. */
  private readonly positions = new NodePositions();
  /** The executions this process runs, its claims on them (every write of one is fenced with its epoch), heartbeat and cancel requests. */
  private readonly ownership: ExecutionOwnership;
  private readonly claims: ExecutionClaims;
  private readonly parentDueListeners = new Set<(parentExecutionId: string) => void>();

  constructor(private readonly options: SqlExecutionStoreOptions) {
    super(options.knex, options.driver, new CursorCodec(options.cursorSecret));
    this.outputs = new NodeOutputKeeper(options.maxOutputBytes, options.inlineOutputBytes ?? 256 * 1024);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.ownership = new ExecutionOwnership({
      driver: options.driver,
      dialect: options.dialect,
      owner: options.owner ?? defaultOwner(),
      heartbeatMs: options.heartbeatMs ?? 10_000,
      cancelPollMs: options.cancelPollMs ?? 500,
      logger: this.logger,
      now: this.now,
      onLost: (id) => this.outputs.forget(id),
    });
    this.claims = this.ownership.claims;
    this.writer = new GroupCommitWriter(options.driver, {
      rowSteps: upsertNodeSteps,
      // one execution running here: its node finishes share their commits with no other's
      alone: () => this.claims.count <= 1,
      logger: this.logger,
      fence: {
        groupOf: (row) => String(row.execution_id),
        check: (ids) => this.claims.checks(ids),
        refused: (id) => this.ownership.claimLost(id),
      },
    });
    this.ownership.attach(this.writer);
  }

  /**
   * Calls `listener` with the id of a parent execution parked on a child that ended here (its wait
   * is due, for the poller to wake at once rather than on its next pass). Returns the unsubscribe.
   */
  onParentDue(listener: (parentExecutionId: string) => void): () => void {
    this.parentDueListeners.add(listener);
    return () => this.parentDueListeners.delete(listener);
  }

  /** This process's identity on the executions it runs. */
  get owner(): string {
    return this.ownership.owner;
  }

  /** Finds cancel requests other processes made for executions running here. */
  get cancelRequests(): CancelRequestWatcher {
    return this.ownership.cancelRequests;
  }

  get staleAfterMs(): number {
    return this.options.staleAfterMs ?? 30_000;
  }

  get dialect(): PersistenceDialect {
    return this.options.dialect;
  }

  async startExecution(r: ExecutionStartRecord): Promise<{ id: string; created: boolean }> {
    return this.startExecutionAlongside(r, null);
  }

  /**
   * Records a new execution and, when it was created, runs `alongside` on the same connection
   * inside the same transaction (PostgreSQL): the execution queue sends its job this way, so there
   * is never a job without its row nor a row without its job.
   */
  async startExecutionAlongside(
    r: ExecutionStartRecord,
    alongside: ((db: SqlConnection) => Promise<unknown>) | null,
  ): Promise<{ id: string; created: boolean }> {
    assertStartRecord(r);
    const row = executionStartRow(r, this.owner, this.now());
    const definition = r.definition ? JSON.stringify(r.definition) : null;
    this.trackDefinition(r.id, r.definition);
    const nodeRows = (r.nodes ?? []).map((n) => this.nodeRowOf(r.id, n));
    const insert = startExecutionOp(row, definition, nodeRows);
    const op = alongside
      ? function* () {
          const res = yield* insert();
          if (res.created) yield { kind: 'call' as const, call: alongside };
          return res;
        }
      : insert;
    const result = await this.writer.run(op);
    if (result.created && row.status === 'running') {
      this.claims.hold(r.id, 0);
      this.ownership.markActive(r.id);
    } else this.positions.delete(r.id);
    return result;
  }

  nodeStarted(executionId: string, record: NodeExecutionRecord): Promise<void> {
    if (record.output != null || record.error != null) return this.putNode(executionId, record, false);
    if (this.claims.isLost(executionId)) return Promise.resolve();
    // built at commit time, if at all (nothing in it can fail): in a chain the node's finish replaces it first
    const position = this.positions.of(executionId, record.nodeId);
    return this.writer.putRow(nodeRowKey(executionId, record.nodeId), () => nodeRow(executionId, record, position, null, null), false);
  }

  nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    return this.putNode(executionId, record, true);
  }

  async finishExecution(executionId: string, result: ExecutionResult): Promise<void> {
    // refused outputs still end the execution (failed, with why); the caller hears of it after
    const { op: end, refused } = executionEndOp(executionId, result, this.options.maxOutputBytes, this.now());
    const epoch = this.claims.epochOf(executionId);
    try {
      // the end of an execution this process lost is not its to record
      if (this.claims.isLost(executionId)) return;
      const r = await this.writer.run(epoch === undefined ? end : fencedOp(executionId, epoch, end, this.options.dialect));
      if (r === FENCED) {
        this.ownership.claimLost(executionId);
        return;
      }
      if (r !== null) for (const listener of this.parentDueListeners) listener(r);
    } finally {
      // even when the end could not be written: the execution no longer runs here, so its
      // heartbeat stops and recovery (another process, or the next start) ends it
      this.positions.delete(executionId);
      this.ownership.inactive(executionId, true);
      this.outputs.forget(executionId);
    }
    if (refused) throw refused;
  }

  /** Takes an execution over for this process as it resumes (see {@link takeOverToResume}: refused while another live process owns it). */
  async resumeExecution(executionId: string): Promise<{ eventSeq: number }> {
    const row = await takeOverToResume(
      { knex: this.knex, writer: this.writer, claims: this.claims, owner: this.owner, nowMs: this.now(), staleAfterMs: this.staleAfterMs },
      executionId,
    );
    this.ownership.markActive(executionId);
    if (!this.positions.has(executionId)) {
      // resumed by someone who did not tell us the definition (a queue worker): its node order
      const pinned = await this.knex('workflow_version')
        .where({ workflow_id: row.workflow_id, version: row.workflow_version })
        .first('definition');
      this.trackDefinition(executionId, fromJson<WorkflowDefinition>(pinned?.definition ?? row.definition) ?? undefined);
    }
    return { eventSeq: Number(row.event_seq ?? 0) };
  }

  async nodeWaiting(executionId: string, record: NodeExecutionRecord, wait: WaitSpec): Promise<void> {
    // the node's row replaces its queued `running` row (latest state wins) and commits with the wait
    await Promise.all([
      this.putNode(executionId, record, true),
      this.writer.run(insertWaitOp(executionId, record.nodeId, wait, this.now())),
    ]);
  }

  async waitEnded(executionId: string, record: NodeExecutionRecord): Promise<void> {
    await Promise.all([this.putNode(executionId, record, true), this.writer.run(deleteWaitOp(executionId, record.nodeId))]);
  }

  async parkExecution(executionId: string, deadlineAt: number | null, eventSeq = 0): Promise<boolean> {
    const parked = await this.writer.run(parkExecutionOp(executionId, this.owner, deadlineAt, this.now(), eventSeq));
    if (parked) {
      this.positions.delete(executionId);
      // its claim goes too (else one entry per parked execution stays): the park was its last
      // write here, and the wake that resumes it takes a new claim
      this.ownership.inactive(executionId, true);
      this.outputs.forget(executionId);
    }
    return parked;
  }

  /**
   * Takes an unfinished execution over whoever owns it now, for a caller that holds the right to run it by
   * other means (a queue worker's claim on its job): the raised epoch fences the previous owner's writes.
   */
  async claimExecution(executionId: string): Promise<void> {
    this.holdClaim(executionId, await claimToRun(this.knex, this.writer, this.owner, this.now(), executionId));
  }

  /** Gives up this process's claim on an execution (its queue lease lapsed): later writes for it are dropped, the run here stops. */
  relinquish(executionId: string): void {
    this.ownership.relinquish(executionId);
  }

  /** Whether this process lost the claim on an execution (see {@link relinquish}); what it ran of it was not recorded. */
  hasLostClaim(executionId: string): boolean {
    return this.claims.isLost(executionId);
  }

  /** Recovery took the execution over with a conditional update (its own claim); writes of it are fenced from now on. */
  holdClaim(executionId: string, epoch: number): void {
    this.claims.hold(executionId, epoch);
  }

  /** A durable cancel request; a running execution's owner finds it within `cancelPollMs` ({@link watchCancelRequests}). */
  requestCancel(executionId: string, reason: string): Promise<CancelRequestOutcome> {
    return requestCancel(this.writer, executionId, reason, this.now());
  }

  watchCancelRequests(listener: CancelRequestListener): () => void {
    return this.cancelRequests.subscribe(listener);
  }

  takeOutputRef(executionId: string, nodeId: string): NodeOutputRef | null {
    return this.outputs.take(executionId, nodeId);
  }

  /**
   * The fence of this process's live events of an execution: the claim epoch it holds on it,
   * `lost` once another process took it over, null when it holds no claim (nothing to fence).
   */
  claimFence(executionId: string): number | 'lost' | null {
    if (this.claims.isLost(executionId)) return 'lost';
    return this.claims.epochOf(executionId) ?? null;
  }

  /** Remembers the definition's node order for an execution running here (recovery calls it too). */
  trackDefinition(executionId: string, definition: WorkflowDefinition | undefined): void {
    this.positions.track(executionId, definition);
  }

  /** Commits everything queued. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Flushes queued writes (the kernel calls it at stop; the store stays usable). */
  async dispose(): Promise<void> {
    if (!this.writer.isClosed) await this.writer.flush();
  }

  /** Flushes, stops the heartbeat and closes the write connection ({@link Persistence.close} calls it). */
  async close(): Promise<void> {
    this.ownership.close();
    await this.writer.close();
  }

  private putNode(executionId: string, record: NodeExecutionRecord, durable: boolean): Promise<void> {
    if (this.claims.isLost(executionId)) return durable ? Promise.reject(this.ownership.claimLostError(executionId)) : Promise.resolve();
    let row: Record<string, unknown>;
    try {
      row = this.nodeRowOf(executionId, record);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.writer.putRow(nodeRowKey(executionId, record.nodeId), row, durable);
  }

  private nodeRowOf(executionId: string, record: NodeExecutionRecord): Record<string, unknown> {
    const errorJson = errorRecordJson(record, this.options.maxOutputBytes);
    const position = this.positions.of(executionId, record.nodeId);
    return this.outputs.row(executionId, record, (outputJson) => nodeRow(executionId, record, position, outputJson, errorJson));
  }
}
