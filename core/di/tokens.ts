import type { InjectionToken } from 'tsyringe';

/** A typed DI token: the type parameter travels with the symbol so `resolve` is typed. */
export type Token<T> = symbol & { readonly __type?: T };

/** Creates a typed DI token; `name` is dotted (`core.executionStore`). */
export function createToken<T>(name: string): Token<T> {
  return Symbol.for(`weft:${name}`) as Token<T>;
}

/** tsyringe accepts symbols; this narrows our typed token to its token type. */
export function asInjectionToken<T>(token: Token<T>): InjectionToken<T> {
  return token as unknown as InjectionToken<T>;
}
import type { ExecutionStore } from '../store/execution-store';
import type { EventBus } from '../events/event-bus';
import type { Clock } from '../services/clock';
import type { Logger } from '../services/logger';
import type { Sandbox } from '../services/sandbox';
import type { WorkerPool } from '../services/worker-pool';
import type { ExpressionEngine } from '../services/expression-engine';
import type { ToolDefinition, ToolRegistry } from '../services/tool-registry';
import type { AgentProvider } from '../services/agent-provider';
import type { NodeTypeRegistry } from '../plugin/node-type-registry';
import type { WorkflowExecutor } from '../executor/workflow-executor';
import type { WorkflowValidator } from '../dag/workflow-validator';
import type { WorkflowStore } from '../store/workflow-store';
import type { ApiKeyStore } from '../store/api-key-store';
import type { SecretStore } from '../secrets/secret-store';
import type { ScheduleService } from '../services/schedule-service';
import type { ExecuteOptions } from '../executor/execute-options';
import type { ExecutionDocument } from '../model/execution-document';
import type { WorkflowDefinition } from '../model/workflow-definition';

/** An execution handed to {@link ExecutionDispatcher}. */
export interface DispatchedExecution {
  executionId: string;
  /** False when the idempotency key matched an earlier execution (nothing new was started). */
  created: boolean;
  /** Settles when the execution finishes in this process; absent when a `weft worker` runs it. */
  done?: Promise<ExecutionDocument>;
}

/**
 * Where executions start: this process's executor (`WEFT_EXECUTION_MODE=inline`, the default) or
 * the PostgreSQL queue that `weft worker`s drain (`queue`). The scheduler and the API's execute
 * route go through it (runtime/queue binds it).
 */
export interface ExecutionDispatcher {
  dispatch(definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution>;
}

/** Settings the kernel reads (parsed once by the composition root). */
export interface KernelSettings {
  /** Largest serialised node output accepted, in bytes. */
  maxOutputBytes: number;
  /** Default `maxParallel` when a workflow sets none. */
  defaultMaxParallel: number;
  /** Numeric aggregations over more values than this run in the worker pool (config `aggregateWorkerThreshold`; 10,000 when unset). */
  aggregateWorkerThreshold?: number;
  /** Operator ceilings on a node's sandbox `limits` (a `limits` field above one fails validation); defaults in the kernel. */
  sandboxCeilings?: SandboxCeilings;
}

/** The most a node's `limits` may ask for (`WEFT_SANDBOX_MAX_*`). */
export interface SandboxCeilings {
  cpuMs: number;
  wallMs: number;
  memoryMb: number;
  outputBytes: number;
}

/** The typed DI tokens of weft's services. */
export const Tokens = {
  ExecutionStore: createToken<ExecutionStore>('core.executionStore'),
  WorkflowStore: createToken<WorkflowStore>('core.workflowStore'),
  ApiKeyStore: createToken<ApiKeyStore>('core.apiKeyStore'),
  SecretStore: createToken<SecretStore>('core.secretStore'),
  ScheduleService: createToken<ScheduleService>('core.scheduleService'),
  ExecutionDispatcher: createToken<ExecutionDispatcher>('core.executionDispatcher'),
  EventBus: createToken<EventBus>('core.eventBus'),
  Clock: createToken<Clock>('core.clock'),
  Logger: createToken<Logger>('core.logger'),
  KernelSettings: createToken<KernelSettings>('core.kernelSettings'),
  NodeTypeRegistry: createToken<NodeTypeRegistry>('core.nodeTypeRegistry'),
  WorkflowValidator: createToken<WorkflowValidator>('core.workflowValidator'),
  WorkflowExecutor: createToken<WorkflowExecutor>('core.workflowExecutor'),
  Sandbox: createToken<Sandbox>('core.sandbox'),
  WorkerPool: createToken<WorkerPool>('core.workerPool'),
  ExpressionEngine: createToken<ExpressionEngine>('core.expressionEngine'),
  ToolRegistry: createToken<ToolRegistry>('core.toolRegistry'),
} as const;

/** Extension points: many contributions per token. */
export const ExtensionPoints = {
  Tools: createToken<ToolDefinition>('ext.tools'),
  AgentProviders: createToken<AgentProvider>('ext.agentProviders'),
} as const;
