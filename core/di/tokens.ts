import { createToken } from './token';
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
import type { ExecutionDispatcher } from '../executor/execution-dispatcher';
import type { KernelSettings } from '../kernel/kernel-settings';
import type { MapItemStore } from '../store/map-item-store';
import type { InlineNodeRunner } from '../executor/inline-node-runner';
import type { ChildExecutions } from '../services/child-executions';
import type { WaitService } from '../services/wait-service';

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
  /** Durable per-item records of fan-out nodes. */
  MapItemStore: createToken<MapItemStore>('core.mapItemStore'),
  /** Runs inline node templates (a `map` node's `node`). */
  InlineNodes: createToken<InlineNodeRunner>('core.inlineNodes'),
  ChildExecutions: createToken<ChildExecutions>('core.childExecutions'),
  WaitService: createToken<WaitService>('core.waitService'),
} as const;

/** Extension points: many contributions per token. */
export const ExtensionPoints = {
  Tools: createToken<ToolDefinition>('ext.tools'),
  AgentProviders: createToken<AgentProvider>('ext.agentProviders'),
} as const;
