import type {
  ExecutionDocument,
  ExecutionLineage,
  ExecutionStatus,
  ExecutionSummary,
  ExecutionTrigger,
  NodeExecutionRecord,
} from '../model/execution-document';
import type { WorkflowDefinition } from '../model/workflow-definition';
import type { WaitSpec } from '../plugin/park-request';
import type { NodeOutputRef } from '../model/node-output-ref';

/** What the executor writes when an execution starts. */
export interface ExecutionStartRecord extends ExecutionLineage {
  id: string;
  workflowId: string;
  workflowVersion: number;
  trigger: ExecutionTrigger;
  inputs: Record<string, unknown>;
  idempotencyKey?: string | null;
  startedAt: string;
  /** The definition that runs (stores that keep versions pin it; others may keep it for recovery). */
  definition?: WorkflowDefinition;
  /** `pending` for an execution queued for a worker (no owner yet); default `running`. */
  status?: 'pending' | 'running';
  /**
   * Node records written with the execution, in the same commit (a re-run's copied nodes): the
   * execution never exists without them, so a worker or a resume finds them.
   */
  nodes?: readonly NodeExecutionRecord[];
  /** 0–9, default 5. */
  priority?: number;
  /**
   * Set on an execution held to its workflow's `settings.concurrency` (recorded `pending`; a slot
   * admitter starts it): the rendered key ('' without one) and the limit.
   */
  concurrency?: { key: string; limit: number } | null;
}

export interface ExecutionListQuery {
  /** One workflow's executions; absent: every workflow's (the console's run list). */
  workflowId?: string;
  status?: ExecutionStatus[];
  /** Only executions started by one of these triggers. */
  trigger?: ExecutionTrigger[];
  /** ISO 8601, inclusive lower bound on `startedAt`. */
  from?: string;
  /** ISO 8601, exclusive upper bound on `startedAt`. */
  to?: string;
  limit: number;
  /** Opaque keyset cursor from a previous page. */
  cursor?: string;
}

/**
 * What {@link ExecutionStore.requestCancel} did: `cancelled` — the execution was still waiting in
 * a queue (no process had claimed it), so it ended `cancelled` at once, every node recorded
 * `cancelled`, and the worker that later claims it does not run it; `requested` — it is running,
 * the request is recorded, and the process that runs it cancels it when it notices.
 */
export type CancelRequestOutcome = 'cancelled' | 'requested';

/** Told about a cancel request for an execution this process runs (`reason` as given by the requester). */
export type CancelRequestListener = (executionId: string, reason: string) => void;

export interface ExecutionPage {
  items: ExecutionSummary[];
  nextCursor: string | null;
}

/**
 * Where executions and node executions are recorded. The executor calls, in order:
 * `startExecution` (awaited), `nodeStarted` (not awaited: a node that was in flight at a crash
 * runs again anyway, so its start need not be durable on its own), `nodeFinished` (awaited:
 * when it resolves the record is durable; stores may commit it together with queued starts),
 * and `finishExecution` (awaited). Skipped and never-started nodes are reported through
 * `nodeFinished` too.
 */
export interface ExecutionStore {
  /** Records a new execution; with an `idempotencyKey` already used for the workflow, returns the existing execution's id and `created: false`. */
  startExecution(record: ExecutionStartRecord): Promise<{ id: string; created: boolean }>;
  nodeStarted(executionId: string, record: NodeExecutionRecord): Promise<void>;
  nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void>;
  finishExecution(
    executionId: string,
    result: Pick<ExecutionDocument, 'status' | 'outputs' | 'error' | 'finishedAt' | 'durationMs'>,
  ): Promise<void>;
  /**
   * Durable waits (the `wait` node type; stores without them cannot run one). Records a parked
   * node (`status: 'waiting'`) together with what it waits for, in one durable write.
   */
  nodeWaiting?(executionId: string, record: NodeExecutionRecord, wait: WaitSpec): Promise<void>;
  /**
   * Ends a waiting node in the process that runs its execution (its timer or timeout came while
   * other nodes still ran): records its end and drops what it waited for, in one durable write.
   */
  waitEnded?(executionId: string, record: NodeExecutionRecord): Promise<void>;
  /** What the execution's waiting nodes wait for (a resumed run keeps their due times in process). */
  listWaits?(executionId: string): Promise<Array<{ nodeId: string; wait: WaitSpec }>>;
  /**
   * Parks a running execution of this process whose nodes all wait: `waiting`, no owner, and
   * (with `deadlineAt`, epoch ms: the workflow's `settings.timeoutMs`) a deadline that wakes it
   * to time out. Resolves false, parking nothing, when a cancel request is open for it.
   */
  parkExecution?(executionId: string, deadlineAt: number | null, eventSeq?: number): Promise<boolean>;
  /**
   * Marks an execution `running` again when it is resumed (recovery, a wake); may tell the last
   * event number its parked run recorded, for the resumed run to number on from.
   */
  resumeExecution?(executionId: string): Promise<void | { eventSeq: number }>;
  /** The last event number a parked execution's run recorded (0: none). */
  lastEventSeq?(executionId: string): Promise<number>;
  getExecution(executionId: string): Promise<ExecutionDocument | null>;
  /**
   * Large payloads (stores that keep outputs above an inline size apart): a node output whose
   * JSON is above that size is read back as a {@link NodeOutputRef} by `getExecution` and
   * `listNodeExecutions`; this answers the output's JSON text as stored (null: no such node).
   */
  readNodeOutput?(executionId: string, nodeId: string): Promise<string | null>;
  /**
   * The reference a node's output is stored as, when the `nodeFinished` call just made for it
   * kept the output apart (asked once, right after that call; later asks answer null). The
   * executor then drops the output from memory and loads it again only when something reads it.
   */
  takeOutputRef?(executionId: string, nodeId: string): NodeOutputRef | null;
  listNodeExecutions(executionId: string): Promise<NodeExecutionRecord[]>;
  listExecutions(query: ExecutionListQuery): Promise<ExecutionPage>;
  findByIdempotencyKey(workflowId: string, key: string): Promise<ExecutionDocument | null>;
  /** The direct child executions of `parentExecutionId` (sub-workflow and map children), oldest first; keyset paginated. */
  listChildren(parentExecutionId: string, page: { limit: number; cursor?: string }): Promise<ExecutionPage>;
  /**
   * Asks for an execution to be cancelled wherever it runs (see {@link CancelRequestOutcome}).
   * Durable when it resolves. Rejects with a NotFoundError for an unknown execution and a
   * ConflictError for one that already finished.
   */
  requestCancel(executionId: string, reason: string): Promise<CancelRequestOutcome>;
  /**
   * Calls `listener` when a cancel request arrives for an execution this process runs, until the
   * returned function is called. Stores shared by several processes notice requests made by
   * the others; a listener may be told about one request more than once. Stores that only one
   * process uses may leave it out.
   */
  watchCancelRequests?(listener: CancelRequestListener): () => void;
}
