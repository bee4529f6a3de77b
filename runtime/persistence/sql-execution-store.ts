import type { Knex } from '@mikro-orm/knex';
import { CancelledError, ConflictError, NodeExecutionError, NotFoundError, ValidationError } from '../../core/errors/weft-error';
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
import type { SqlBatchDriver } from './sql-batch';
import { heartbeatOp, requestCancelOp, startExecutionOp, updateExecutionOp, upsertNodeSteps } from './execution-sql';
import { CancelRequestWatcher } from './cancel-request-watcher';
import { CursorCodec } from '../../core/store/cursor-codec';
import { checkListQuery } from './execution-list-query';
import { cancelledNodeRows, executionStartRow, NODE_COLUMNS, nodeRow, rowToNode, rowToSummary, sortNodeRows, SUMMARY_COLUMNS } from './execution-row-mapper';
import { assertOutputSize } from './output-size';
import { fromJson, isoToMs, toJson } from './sql-codec';
import { defaultOwner, isStale } from './execution-owner';
import type { PersistenceDialect } from './migrations/migration-list';
import type { WaitSpec } from '../../core/plugin/park-request';
import { dropWaitsSteps, insertWaitOp, parkExecutionOp } from './wait-sql';

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
  private readonly heartbeat: NodeJS.Timeout | null = null;
  /** Finds cancel requests other processes made for executions running here. */
  readonly cancelRequests: CancelRequestWatcher;

  constructor(private readonly options: SqlExecutionStoreOptions) {
    this.knex = options.knex;
    this.cursors = new CursorCodec(options.cursorSecret);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? defaultOwner();
    this.writer = new GroupCommitWriter(options.driver, { rowSteps: upsertNodeSteps, logger: this.logger });
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
    if (typeof r.id !== 'string' || !r.id || r.id.length > 36) throw new ValidationError('execution id must be 1-36 characters');
    if (typeof r.workflowId !== 'string' || !r.workflowId || r.workflowId.length > 200) {
      throw new ValidationError('workflowId must be 1-200 characters');
    }
    if (r.idempotencyKey !== undefined && r.idempotencyKey !== null && (typeof r.idempotencyKey !== 'string' || r.idempotencyKey.length > 512)) {
      throw new ValidationError('idempotencyKey must be a string of at most 512 characters');
    }
    const row = executionStartRow(r, this.owner, this.now());
    const definition = r.definition ? JSON.stringify(r.definition) : null;
    this.trackDefinition(r.id, r.definition);
    const result = await this.writer.run(startExecutionOp(row, definition));
    if (result.created && row.status === 'running') this.markActive(r.id);
    else this.positions.delete(r.id);
    return result;
  }

  async nodeStarted(executionId: string, record: NodeExecutionRecord): Promise<void> {
    await this.putNode(executionId, record, false);
  }

  async nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    await this.putNode(executionId, record, true);
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
    const end = updateExecutionOp(executionId, {
      status,
      outputs,
      error: toJson(error ?? undefined),
      finished_at: result.finishedAt ? isoToMs(result.finishedAt, 'finishedAt') : this.now(),
      duration_ms: result.durationMs ?? null,
    });
    try {
      await this.writer.run(function* () {
        const n = yield* end();
        // its waits and the signals nobody took end with it
        yield* dropWaitsSteps(executionId);
        return n;
      });
    } finally {
      // even when the end could not be written: the execution no longer runs here, so its
      // heartbeat stops and recovery (another process, or the next start) ends it
      this.positions.delete(executionId);
      this.active.delete(executionId);
    }
    if (refused) throw refused;
  }

  /**
   * Takes an execution over for this process (the executor calls it when resuming). Refused with a
   * ConflictError while another live process owns it (fresh heartbeat), so a recovery sweep and a
   * queue failover can never both resume one execution, and for a cancelled one.
   */
  async resumeExecution(executionId: string): Promise<void> {
    const row = await this.knex('workflow_execution')
      .where({ id: executionId })
      .first('status', 'owner', 'heartbeat_at', 'workflow_id', 'workflow_version', 'definition');
    if (!row) throw new NotFoundError(`execution ${String(executionId).slice(0, 40)} not found`);
    // cancelled while it waited in the queue (or by its owner): a worker that claims it must not run it
    if (row.status === 'cancelled') throw new ConflictError(`execution ${executionId} was cancelled`);
    // parked: only the process that wakes it (a conditional update) may run it again
    if (row.status === 'waiting') throw new ConflictError(`execution ${executionId} is waiting`);
    const owner = (row.owner as string | null) ?? null;
    if (row.status === 'running' && owner !== null && owner !== this.owner && !isStale({ owner, heartbeat_at: row.heartbeat_at }, this.owner, this.now() - this.staleAfterMs)) {
      throw new ConflictError(`execution ${executionId} is running in another live process (${owner})`);
    }
    const heartbeat = row.heartbeat_at === null ? null : Number(row.heartbeat_at);
    const n = await this.writer.run(
      updateExecutionOp(
        executionId,
        { status: 'running', finished_at: null, duration_ms: null, owner: this.owner, heartbeat_at: this.now() },
        { status: row.status, owner, heartbeat_at: heartbeat },
      ),
    );
    if (n !== 1) throw new ConflictError(`execution ${executionId} was taken over by another process`);
    this.markActive(executionId);
    if (!this.positions.has(executionId)) {
      // resumed by someone who did not tell us the definition (a queue worker): its node order
      const pinned = await this.knex('workflow_version').where({ workflow_id: row.workflow_id, version: row.workflow_version }).first('definition');
      this.trackDefinition(executionId, fromJson<WorkflowDefinition>(pinned?.definition ?? row.definition) ?? undefined);
    }
  }

  async nodeWaiting(executionId: string, record: NodeExecutionRecord, wait: WaitSpec): Promise<void> {
    // the node's row replaces its queued `running` row (latest state wins) and commits with the wait
    await Promise.all([this.putNode(executionId, record, true), this.writer.run(insertWaitOp(executionId, record.nodeId, wait, this.now()))]);
  }

  async parkExecution(executionId: string, deadlineAt: number | null): Promise<boolean> {
    const parked = await this.writer.run(parkExecutionOp(executionId, this.owner, deadlineAt, this.now()));
    if (parked) {
      this.positions.delete(executionId);
      this.active.delete(executionId);
    }
    return parked;
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
    const q = checkListQuery(query, this.cursors);
    const qb = this.knex('workflow_execution').select(SUMMARY_COLUMNS).where('workflow_id', q.workflowId);
    if (q.status) qb.whereIn('status', q.status);
    if (q.fromMs !== null) qb.where('started_at', '>=', q.fromMs);
    if (q.toMs !== null) qb.where('started_at', '<', q.toMs);
    if (q.byTime) {
      // row-value comparison: both dialects can seek the (workflow_id, started_at, id) index with it
      if (q.after) qb.whereRaw('(started_at, id) < (?, ?)', [q.after.t!, q.after.id]);
      qb.orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    } else {
      if (q.after) qb.where('id', '<', q.after.id);
      qb.orderBy('id', 'desc');
    }
    const rows = await qb.limit(q.limit + 1);
    const items = rows.slice(0, q.limit).map(rowToSummary);
    const last = rows[q.limit - 1];
    const nextCursor = rows.length > q.limit ? this.cursors.encode(String(last.id), q.scope, q.byTime ? Number(last.started_at) : undefined) : null;
    return { items, nextCursor };
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

  private async putNode(executionId: string, record: NodeExecutionRecord, durable: boolean): Promise<void> {
    const outputJson = assertOutputSize(record.nodeId, record.output, this.options.maxOutputBytes);
    const errorJson = this.errorJson(record);
    const position = this.positions.get(executionId)?.get(record.nodeId) ?? null;
    const row = nodeRow(executionId, record, position, outputJson, errorJson);
    await this.writer.putRow(`${executionId}\u0000${record.nodeId}`, row, durable);
  }

  /** The error JSON; an input snapshot that would exceed the size cap is left out, and the record says so. */
  private errorJson(record: NodeExecutionRecord): string | null {
    if (!record.error) return null;
    const json = JSON.stringify(record.error);
    if (Buffer.byteLength(json) <= this.options.maxOutputBytes) return json;
    const { input: _input, ...rest } = record.error;
    void _input;
    return JSON.stringify({ ...rest, inputOmitted: `the input snapshot is over the ${this.options.maxOutputBytes}-byte limit` });
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
