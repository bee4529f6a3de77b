import { DEFAULT_PRIORITY } from '../executor/execute-options';
import { TERMINAL_EXECUTION_STATUSES, type ExecutionDocument, type NodeExecutionRecord } from '../model/execution-document';
import type { WorkflowDefinition } from '../model/workflow-definition';
import type {
  CancelRequestListener,
  CancelRequestOutcome,
  ExecutionListQuery,
  ExecutionPage,
  ExecutionStartRecord,
  ExecutionStore,
} from './execution-store';
import { CancelledError, ConflictError, NotFoundError, ValidationError } from '../errors/weft-error';
import { serializeError } from '../errors/error-serializer';
import { neverStartedRecords } from '../executor/node-records';
import { lineageOf } from '../model/execution-lineage';

interface StoredExecution {
  doc: Omit<ExecutionDocument, 'nodes'>;
  nodes: Map<string, NodeExecutionRecord>;
  /** Kept while the execution is `pending`: a cancel before any worker claims it records every node from it. */
  definition?: WorkflowDefinition;
}

/**
 * The in-memory {@link ExecutionStore}: `weft run` without `--db`, tests and benchmarks.
 * Nothing survives the process.
 */
export class InMemoryExecutionStore implements ExecutionStore {
  private readonly executions = new Map<string, StoredExecution>();
  private readonly idempotency = new Map<string, string>();
  private readonly cancelListeners = new Set<CancelRequestListener>();

  async startExecution(r: ExecutionStartRecord): Promise<{ id: string; created: boolean }> {
    if (r.idempotencyKey) {
      const key = `${r.workflowId}\u0000${r.idempotencyKey}`;
      const existing = this.idempotency.get(key);
      if (existing) return { id: existing, created: false };
      this.idempotency.set(key, r.id);
    }
    this.executions.set(r.id, {
      doc: {
        id: r.id,
        workflowId: r.workflowId,
        workflowVersion: r.workflowVersion,
        status: r.status === 'pending' ? 'pending' : 'running',
        trigger: r.trigger,
        inputs: r.inputs,
        outputs: null,
        error: null,
        idempotencyKey: r.idempotencyKey ?? null,
        startedAt: r.startedAt,
        finishedAt: null,
        durationMs: null,
        ...lineageOf(r),
        priority: r.priority ?? DEFAULT_PRIORITY,
      },
      nodes: new Map((r.nodes ?? []).map((n) => [n.nodeId, n])),
      definition: r.status === 'pending' ? r.definition : undefined,
    });
    return { id: r.id, created: true };
  }

  async nodeStarted(executionId: string, record: NodeExecutionRecord): Promise<void> {
    this.executions.get(executionId)?.nodes.set(record.nodeId, record);
  }

  async nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    this.executions.get(executionId)?.nodes.set(record.nodeId, record);
  }

  async finishExecution(
    executionId: string,
    result: Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>,
  ): Promise<void> {
    const e = this.executions.get(executionId);
    if (e) Object.assign(e.doc, result);
  }

  /** Refused with a ConflictError for a cancelled execution (e.g. cancelled while it waited in a queue). */
  async resumeExecution(executionId: string): Promise<void> {
    const e = this.executions.get(executionId);
    if (!e) return;
    if (e.doc.status === 'cancelled') throw new ConflictError(`execution ${executionId} was cancelled`);
    e.doc.status = 'running';
    e.definition = undefined;
  }

  async requestCancel(executionId: string, reason: string): Promise<CancelRequestOutcome> {
    const e = typeof executionId === 'string' ? this.executions.get(executionId) : undefined;
    if (!e) throw new NotFoundError(`execution "${String(executionId).slice(0, 40)}" not found`);
    if (TERMINAL_EXECUTION_STATUSES.includes(e.doc.status))
      throw new ConflictError(`execution "${executionId}" already finished (${e.doc.status})`);
    const why = typeof reason === 'string' && reason ? reason.slice(0, 500) : 'cancelled by request';
    if (e.doc.status === 'pending') {
      const at = Date.now();
      for (const rec of neverStartedRecords(e.definition ?? { nodes: [] })) if (!e.nodes.has(rec.nodeId)) e.nodes.set(rec.nodeId, rec);
      Object.assign(e.doc, {
        status: 'cancelled',
        error: serializeError(new CancelledError(why), false),
        finishedAt: new Date(at).toISOString(),
        durationMs: e.doc.startedAt ? Math.max(0, at - Date.parse(e.doc.startedAt)) : null,
      });
      e.definition = undefined;
      return 'cancelled';
    }
    // one process holds this store: every executor watching it hears the request, and the one running it acts
    for (const listener of [...this.cancelListeners]) listener(executionId, why);
    return 'requested';
  }

  watchCancelRequests(listener: CancelRequestListener): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  async getExecution(executionId: string): Promise<ExecutionDocument | null> {
    const e = this.executions.get(executionId);
    return e ? { ...e.doc, nodes: [...e.nodes.values()] } : null;
  }

  async listNodeExecutions(executionId: string): Promise<NodeExecutionRecord[]> {
    return [...(this.executions.get(executionId)?.nodes.values() ?? [])];
  }

  async findByIdempotencyKey(workflowId: string, key: string): Promise<ExecutionDocument | null> {
    const id = this.idempotency.get(`${workflowId}\u0000${key}`);
    return id ? this.getExecution(id) : null;
  }

  /** Ids are time-ordered (UUIDv7), so descending id order is newest first; the cursor is the last id seen. */
  async listExecutions(q: ExecutionListQuery): Promise<ExecutionPage> {
    if (q.cursor !== undefined && !/^[0-9a-f-]{36}$/i.test(q.cursor)) throw new ValidationError('invalid cursor');
    const rows = [...this.executions.values()]
      .map((e) => e.doc)
      .filter(
        (d) =>
          (q.workflowId === undefined || d.workflowId === q.workflowId) &&
          (!q.status || q.status.includes(d.status)) &&
          (!q.trigger || q.trigger.includes(d.trigger)) &&
          (!q.from || (d.startedAt ?? '') >= q.from) &&
          (!q.to || (d.startedAt ?? '') < q.to) &&
          (!q.cursor || d.id < q.cursor),
      )
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
  }

  /** Oldest first; the cursor is the last id seen. */
  async listChildren(parentExecutionId: string, page: { limit: number; cursor?: string }): Promise<ExecutionPage> {
    if (page.cursor !== undefined && !/^[0-9a-f-]{36}$/i.test(page.cursor)) throw new ValidationError('invalid cursor');
    const rows = [...this.executions.values()]
      .map((e) => e.doc)
      .filter((d) => d.parentExecutionId === parentExecutionId && (!page.cursor || d.id > page.cursor))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const items = rows.slice(0, page.limit);
    return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  /** Forgets an execution (the executor's callers may release memory). */
  delete(executionId: string): void {
    this.executions.delete(executionId);
  }
}
