import type { Knex } from '@mikro-orm/knex';
import { CancelledError, ConflictError, NodeExecutionError, NotFoundError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import { serializeError } from '../../core/errors/error-serializer';
import type { ExecutionDocument, NodeExecutionRecord } from '../../core/model/execution-document';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type {
  CancelRequestListener,
  CancelRequestOutcome,
  ExecutionListQuery,
  ExecutionPage,
  ExecutionStartRecord,
  ExecutionStore,
} from '../../core/store/execution-store';
import { silentLogger, type Logger } from '../../core/services/logger';
import { GroupCommitWriter } from './group-commit-writer';
import type { SqlBatchDriver, SqlConnection } from './sql-batch';
import { ExecutionClaims } from './execution-claims';
import { FENCED, fencedOp, heartbeatOp, requestCancelOp, startExecutionOp, takeOverOp, updateExecutionOp, upsertNodeSteps } from './execution-sql';
import { CancelRequestWatcher } from './cancel-request-watcher';
import { CursorCodec } from '../../core/store/cursor-codec';
import { checkListQuery, queryExecutionPage } from './execution-list-query';
import { assertStartRecord, cancelledNodeRows, executionStartRow, NODE_COLUMNS, nodeRow, rowToNode, rowToSummary, sortNodeRows, SUMMARY_COLUMNS } from './execution-row-mapper';
import { assertOutputSize, errorRecordJson } from './output-size';
import { outputJsonOf } from '../../core/executor/node-records';
import { fromJson, isoToMs, toJson } from './sql-codec';
import { defaultOwner, isStale } from './execution-owner';
import type { PersistenceDialect } from './migrations/migration-list';
import type { WaitSpec } from '../../core/plugin/park-request';
import { deleteWaitOp, dropWaitsSteps, insertWaitOp, parkExecutionOp, waitSpecOfRow } from './wait-sql';

export interface SqlExecutionStoreOptions {
  /** Reads (query builder, bound parameters). */
  knex: Knex;
  /** Writes (group commits). */
  driver: SqlBatchDriver;
  dialect: PersistenceDialect;
  /** Signs list cursors (kept in the database so every process accepts every cursor). */
  cursorSecret: Buffer;
  /** Largest node output (JSON bytes) accepted. */
  maxOutputBytes: number;
  /** This process's identity on the executions it runs; default `host:pid:random`. */
  owner?: string;
  /** How often running executions' `heartbeat_at` is refreshed (0: never). Default 10 s. */
  heartbeatMs?: number;
  /** An owner whose heartbeat is older than this is taken for dead (recovery, resume). Default 30 s. */
  staleAfterMs?: number;
  /** How often, while executions run here, cancel requests from other processes are looked for (0: never). Default 500 ms. */
  cancelPollMs?: number;
  logger?: Logger;
  now?: () => number;
}

function nodeKey(executionId: string, nodeId: string): string {
  return `${executionId}\u0000${nodeId}`;
}

/** The lookups by key behind `GET /executions/:id`: fixed SQL, prepared once per connection. */
const SELECT_EXECUTION = `select ${SUMMARY_COLUMNS.join(', ')} from workflow_execution where id = ?`;
const SELECT_NODES = `select ${NODE_COLUMNS.join(', ')} from node_execution where execution_id = ?`;

type Result = Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>;

/**
 * The {@link ExecutionStore} on SQLite or PostgreSQL. Every write goes through one
 * {@link GroupCommitWriter}: node starts are queued (lazy), node finishes and execution
 * records are durable when their promise resolves, and everything queued together shares one
 * transaction. Reads use the query builder with bound parameters only.
 */
export class SqlExecutionStore implements ExecutionStore {
  readonly owner: string;
  readonly writer: GroupCommitWriter;
  readonly knex: Knex;
  private readonly cursors: CursorCodec;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Node order of executions running here, so documents list nodes in definition order. */
  private readonly positions = new Map<string, Map<string, number>>();
  /** Executions this process runs (their heartbeat is refreshed). */
  private readonly active = new Set<string>();
  /** The claims this process holds (or lost) on the executions it runs: every write of one is fenced with its epoch. */
  private readonly claims: ExecutionClaims;
  private readonly heartbeat: NodeJS.Timeout | null = null;
  /** Finds cancel requests other processes made for executions running here. */
  readonly cancelRequests: CancelRequestWatcher;

  constructor(private readonly options: SqlExecutionStoreOptions) {
    this.knex = options.knex;
    this.cursors = new CursorCodec(options.cursorSecret);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? defaultOwner();
    this.claims = new ExecutionClaims(options.dialect);
    this.writer = new GroupCommitWriter(options.driver, {
      rowSteps: upsertNodeSteps,
      logger: this.logger,
      fence: {
        groupOf: (row) => String(row.execution_id),
        check: (ids) => this.claims.checks(ids),
        refused: (id) => this.claimLost(id),
      },
    });
    this.cancelRequests = new CancelRequestWatcher({
      driver: options.driver,
      owner: this.owner,
      intervalMs: options.cancelPollMs ?? 500,
      hasActive: () => this.active.size > 0,
      logger: this.logger,
    });
    const every = options.heartbeatMs ?? 10_000;
    if (every > 0) {
      this.heartbeat = setInterval(() => void this.beat(), every);
      this.heartbeat.unref();
    }
  }

  /** See {@link SqlExecutionStoreOptions.staleAfterMs}. */
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
  async startExecutionAlongside(r: ExecutionStartRecord, alongside: ((db: SqlConnection) => Promise<unknown>) | null): Promise<{ id: string; created: boolean }> {
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
      this.markActive(r.id);
    } else this.positions.delete(r.id);
    return result;
  }

  nodeStarted(executionId: string, record: NodeExecutionRecord): Promise<void> {
    if (record.output != null || record.error != null) return this.putNode(executionId, record, false);
    if (this.claims.isLost(executionId)) return Promise.resolve();
    // built at commit time, if at all (nothing in it can fail): in a chain the node's finish replaces it first
    const position = this.positionOf(executionId, record.nodeId);
    return this.writer.putRow(nodeKey(executionId, record.nodeId), () => nodeRow(executionId, record, position, null, null), false);
  }

  nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    return this.putNode(executionId, record, true);
  }

  async finishExecution(executionId: string, result: Result): Promise<void> {
    let outputs: string | null;
    let error = result.error;
    let status = result.status;
    let refused: NodeExecutionError | null = null;
    try {
      outputs = assertOutputSize('(workflow outputs)', result.outputs ?? undefined, this.options.maxOutputBytes);
    } catch (err) {
      // never leave the execution running: record why it failed, then tell the caller
      refused = err as NodeExecutionError;
      outputs = null;
      status = 'failed';
      error = { type: refused.type, code: refused.code, message: refused.message };
    }
    const epoch = this.claims.epochOf(executionId);
    try {
      // the end of an execution this process lost is not its to record
      if (this.claims.isLost(executionId)) return;
      const update = updateExecutionOp(executionId, {
        status,
        outputs,
        error: toJson(error ?? undefined),
        finished_at: result.finishedAt ? isoToMs(result.finishedAt, 'finishedAt') : this.now(),
        duration_ms: result.durationMs ?? null,
      });
      const end = function* () {
        const n = yield* update();
        // its waits and the signals nobody took end with it
        yield* dropWaitsSteps(executionId);
        return n;
      };
      const r = await this.writer.run(epoch === undefined ? end : fencedOp(executionId, epoch, end, this.options.dialect));
      if (r === FENCED) {
        this.claimLost(executionId);
        return;
      }
    } finally {
      // even when the end could not be written: the execution no longer runs here, so its
      // heartbeat stops and recovery (another process, or the next start) ends it
      this.positions.delete(executionId);
      this.active.delete(executionId);
      this.claims.release(executionId);
    }
    if (refused) throw refused;
  }

  /**
   * Takes an execution over for this process (the executor calls it when resuming). Refused with a
   * ConflictError while another live process owns it (fresh heartbeat), so a recovery sweep and a
   * queue failover can never both resume one execution, and for a cancelled one. A no-op for an
   * execution this process has just claimed ({@link claimExecution}).
   */
  async resumeExecution(executionId: string): Promise<{ eventSeq: number }> {
    const row = await this.knex('workflow_execution')
      .where({ id: executionId })
      .first('status', 'owner', 'heartbeat_at', 'claim_epoch', 'workflow_id', 'workflow_version', 'definition', 'event_seq');
    if (!row) throw new NotFoundError(`execution ${String(executionId).slice(0, 40)} not found`);
    // cancelled while it waited in the queue (or by its owner): a worker that claims it must not run it
    if (row.status === 'cancelled') throw new ConflictError(`execution ${executionId} was cancelled`);
    // parked: only the process that wakes it (a conditional update) may run it again
    if (row.status === 'waiting') throw new ConflictError(`execution ${executionId} is waiting`);
    const owner = (row.owner as string | null) ?? null;
    const claimed = owner === this.owner && row.status === 'running' && this.claims.epochOf(executionId) === Number(row.claim_epoch);
    if (!claimed) {
      if (row.status === 'running' && owner !== null && owner !== this.owner && !isStale({ owner, heartbeat_at: row.heartbeat_at }, this.owner, this.now() - this.staleAfterMs)) {
        throw new ConflictError(`execution ${executionId} is running in another live process (${owner})`);
      }
      const heartbeat = row.heartbeat_at === null ? null : Number(row.heartbeat_at);
      const epoch = await this.writer.run(takeOverOp(executionId, this.owner, this.now(), { status: row.status, owner, heartbeat_at: heartbeat }));
      if (epoch === null) throw new ConflictError(`execution ${executionId} was taken over by another process`);
      this.holdClaim(executionId, epoch);
    }
    this.markActive(executionId);
    if (!this.positions.has(executionId)) {
      // resumed by someone who did not tell us the definition (a queue worker): its node order
      const pinned = await this.knex('workflow_version').where({ workflow_id: row.workflow_id, version: row.workflow_version }).first('definition');
      this.trackDefinition(executionId, fromJson<WorkflowDefinition>(pinned?.definition ?? row.definition) ?? undefined);
    }
    return { eventSeq: Number(row.event_seq ?? 0) };
  }

  async nodeWaiting(executionId: string, record: NodeExecutionRecord, wait: WaitSpec): Promise<void> {
    // the node's row replaces its queued `running` row (latest state wins) and commits with the wait
    await Promise.all([this.putNode(executionId, record, true), this.writer.run(insertWaitOp(executionId, record.nodeId, wait, this.now()))]);
  }

  async waitEnded(executionId: string, record: NodeExecutionRecord): Promise<void> {
    await Promise.all([this.putNode(executionId, record, true), this.writer.run(deleteWaitOp(executionId, record.nodeId))]);
  }

  async lastEventSeq(executionId: string): Promise<number> {
    const row = await this.knex('workflow_execution').where({ id: executionId }).first('event_seq');
    return Number(row?.event_seq ?? 0);
  }

  async listWaits(executionId: string): Promise<Array<{ nodeId: string; wait: WaitSpec }>> {
    const rows = await this.knex('weft_wait').where({ execution_id: executionId }).whereNotNull('node_id').select('node_id', 'kind', 'due_at', 'signal_name');
    return rows.map((r) => ({ nodeId: String(r.node_id), wait: waitSpecOfRow(r) })).filter((w): w is { nodeId: string; wait: WaitSpec } => w.wait !== null);
  }

  async parkExecution(executionId: string, deadlineAt: number | null, eventSeq = 0): Promise<boolean> {
    const parked = await this.writer.run(parkExecutionOp(executionId, this.owner, deadlineAt, this.now(), eventSeq));
    if (parked) {
      this.positions.delete(executionId);
      this.active.delete(executionId);
    }
    return parked;
  }

  /**
   * Takes an unfinished execution over for this process whoever owns it now: for a caller that
   * holds the right to run it by other means (a queue worker's claim on its job, which the
   * previous holder lost). Raising the claim epoch fences every later write of the previous
   * owner, even one that is alive but was stuck. Rejects with a ConflictError when the execution
   * ended (or was cancelled) meanwhile, and a NotFoundError when there is none.
   */
  async claimExecution(executionId: string): Promise<void> {
    const epoch = await this.writer.run(takeOverOp(executionId, this.owner, this.now(), {}, true));
    if (epoch === null) {
      const row = await this.knex('workflow_execution').where({ id: executionId }).first('status');
      if (!row) throw new NotFoundError(`execution ${String(executionId).slice(0, 40)} not found`);
      throw new ConflictError(`execution ${executionId} already ended (${String(row.status)})`);
    }
    this.holdClaim(executionId, epoch);
  }

  /**
   * Gives up this process's claim on an execution without recording anything (its queue lease
   * lapsed, so another process may already run it): every later write for it is dropped, and the
   * run here is stopped.
   */
  relinquish(executionId: string): void {
    if (this.claims.holds(executionId) || this.active.has(executionId)) this.claimLost(executionId);
  }

  /** Whether this process lost the claim on an execution (see {@link relinquish}); what it ran of it was not recorded. */
  hasLostClaim(executionId: string): boolean {
    return this.claims.isLost(executionId);
  }

  /** Recovery took the execution over with a conditional update (its own claim); writes of it are fenced from now on. */
  holdClaim(executionId: string, epoch: number): void {
    this.claims.hold(executionId, epoch);
  }

  /**
   * Records a cancel request (see {@link ExecutionStore.requestCancel}). A running execution's
   * owner finds it within `cancelPollMs` through {@link watchCancelRequests}, wherever it runs.
   */
  async requestCancel(executionId: string, reason: string): Promise<CancelRequestOutcome> {
    const shown = `"${String(executionId).slice(0, 40)}"`;
    // PostgreSQL refuses NUL in text parameters: such an id cannot exist, so it is not found rather than a driver error
    if (typeof executionId !== 'string' || !executionId || executionId.length > 36 || executionId.includes('\u0000')) throw new NotFoundError(`execution ${shown} not found`);
    const why = typeof reason === 'string' && reason ? reason.slice(0, 500) : 'cancelled by request';
    const error = JSON.stringify(serializeError(new CancelledError(why), false));
    const r = await this.writer.run(requestCancelOp(executionId, why, error, this.now(), (definition) => cancelledNodeRows(executionId, definition)));
    if (r.kind === 'missing') throw new NotFoundError(`execution ${shown} not found`);
    if (r.kind === 'finished') throw new ConflictError(`execution ${shown} already finished (${r.status})`);
    return r.kind;
  }

  watchCancelRequests(listener: CancelRequestListener): () => void {
    return this.cancelRequests.subscribe(listener);
  }

  async getExecution(executionId: string): Promise<ExecutionDocument | null> {
    if (typeof executionId !== 'string' || executionId.length > 200) return null;
    const [row] = await this.options.driver.all(SELECT_EXECUTION, [executionId]);
    if (!row) return null;
    return { ...rowToSummary(row), nodes: await this.listNodeExecutions(executionId) };
  }

  async listNodeExecutions(executionId: string): Promise<NodeExecutionRecord[]> {
    if (typeof executionId !== 'string' || executionId.length > 200) return [];
    const rows = await this.options.driver.all(SELECT_NODES, [executionId]);
    return sortNodeRows(rows).map(rowToNode);
  }

  async listExecutions(query: ExecutionListQuery): Promise<ExecutionPage> {
    return queryExecutionPage(this.knex, checkListQuery(query, this.cursors), this.cursors);
  }

  /** Served by the partial `(parent_execution_id, id)` index; the cursor is signed for this parent. */
  async listChildren(parentExecutionId: string, page: { limit: number; cursor?: string }): Promise<ExecutionPage> {
    const { limit } = checkListQuery({ workflowId: 'children', limit: page.limit }, this.cursors);
    if (typeof parentExecutionId !== 'string' || parentExecutionId.length > 36 || parentExecutionId.includes('\u0000')) return { items: [], nextCursor: null };
    const scope = JSON.stringify(['children', parentExecutionId]);
    const qb = this.knex('workflow_execution').select(SUMMARY_COLUMNS).where('parent_execution_id', parentExecutionId);
    if (page.cursor !== undefined) qb.where('id', '>', this.cursors.decode(page.cursor, scope));
    const rows = await qb.orderBy('id', 'asc').limit(limit + 1);
    const items = rows.slice(0, limit).map(rowToSummary);
    return { items, nextCursor: rows.length > limit ? this.cursors.encode(String(rows[limit - 1].id), scope) : null };
  }

  async findByIdempotencyKey(workflowId: string, key: string): Promise<ExecutionDocument | null> {
    if (typeof key !== 'string' || typeof workflowId !== 'string') return null;
    const row = await this.knex('workflow_execution').where({ workflow_id: workflowId, idempotency_key: key }).first('id');
    return row ? this.getExecution(String(row.id)) : null;
  }

  /** Remembers the definition's node order for an execution running here (recovery calls it too). */
  trackDefinition(executionId: string, definition: WorkflowDefinition | undefined): void {
    if (!definition?.nodes) return;
    const order = new Map<string, number>();
    definition.nodes.forEach((n, i) => order.set(n.id, i));
    this.positions.set(executionId, order);
  }

  /** A read of committed rows with fixed SQL (`?` placeholders, bound values). */
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return this.options.driver.all(sql, params);
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
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.cancelRequests.close();
    await this.writer.close();
  }

  private markActive(executionId: string): void {
    this.active.add(executionId);
    this.cancelRequests.wake();
  }

  private putNode(executionId: string, record: NodeExecutionRecord, durable: boolean): Promise<void> {
    if (this.claims.isLost(executionId)) return durable ? Promise.reject(this.claimLostError(executionId)) : Promise.resolve();
    let row: Record<string, unknown>;
    try {
      row = this.nodeRowOf(executionId, record);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.writer.putRow(nodeKey(executionId, record.nodeId), row, durable);
  }

  private nodeRowOf(executionId: string, record: NodeExecutionRecord): Record<string, unknown> {
    const outputJson = assertOutputSize(record.nodeId, record.output, this.options.maxOutputBytes, outputJsonOf(record));
    const errorJson = errorRecordJson(record, this.options.maxOutputBytes);
    return nodeRow(executionId, record, this.positionOf(executionId, record.nodeId), outputJson, errorJson);
  }

  private positionOf(executionId: string, nodeId: string): number | null {
    return this.positions.get(executionId)?.get(nodeId) ?? null;
  }

  /** Another process took the execution over: drop what this one still writes for it, and stop the run here. */
  private claimLost(executionId: string): ConflictError {
    if (this.claims.markLost(executionId)) {
      this.active.delete(executionId);
      this.logger.warn({ executionId }, 'lost the claim on an execution (another process took it over); nothing more is recorded for it here');
      this.cancelRequests.notify(executionId, 'another process took this execution over');
    }
    return this.claimLostError(executionId);
  }

  private claimLostError(executionId: string): ConflictError {
    return new ConflictError(`execution ${executionId} was taken over by another process; this process no longer records it`, { code: ErrorCodes.WF_CLAIM_LOST });
  }

  private async beat(): Promise<void> {
    if (this.writer.isClosed || this.active.size === 0) return;
    try {
      await this.writer.run(heartbeatOp(this.owner, this.now()));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'execution heartbeat failed');
    }
  }
}
