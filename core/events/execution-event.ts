import type { ExecutionStatus, NodeStatus, SkipReason, NodeErrorRecord } from '../model/execution-document';
import type { SerializedError } from '../errors/error-serializer';
import type { NodeProgress } from '../plugin/node-type';

interface EventBase {
  executionId: string;
  workflowId: string;
  /** Monotonic per execution, starting at 1: lets consumers order and de-duplicate. */
  seq: number;
  at: string;
}

export interface ExecutionStatusEvent extends EventBase {
  kind: 'execution';
  status: ExecutionStatus;
  error?: SerializedError | null;
}

export interface NodeStatusEvent extends EventBase {
  kind: 'node';
  nodeId: string;
  status: NodeStatus | 'retrying';
  attempt: number;
  skipReason?: SkipReason | null;
  error?: NodeErrorRecord | null;
  /** For `retrying`: how long until the next attempt. */
  delayMs?: number;
  recoveredBy?: string | null;
  durationMs?: number;
  /** On `running` events of fan-out nodes (`map`): items done, failed and in all. */
  progress?: NodeProgress;
}

/** Streamed model tokens from an agent node. */
export interface NodeTokenEvent extends EventBase {
  kind: 'token';
  nodeId: string;
  attempt: number;
  text: string;
}

export type ExecutionEvent = ExecutionStatusEvent | NodeStatusEvent | NodeTokenEvent;

/** Distributive Omit so each member of the union keeps its own fields. */
export type ExecutionEventInput = ExecutionEvent extends infer E
  ? E extends ExecutionEvent
    ? Omit<E, 'seq' | 'at' | 'executionId' | 'workflowId'>
    : never
  : never;
