import { Kernel, bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import { loadPluginModule } from '../../core/plugin/plugin-loader';
import type { WeftPlugin } from '../../core/plugin/plugin';
import type { Logger } from '../../core/services/logger';
import type { WeftConfig } from '../config/weft-config';
import type { WeftRuntime } from './weft-runtime';
import { BUILTIN_PLUGIN_DIRS } from './builtin-plugins';
import { createLogger } from '../logging/create-logger';
import { expressionEngineBinding } from '../expressions/expression-engine.bindings';
import { sandboxBinding } from '../sandbox/sandbox.bindings';
import { workerPoolBinding } from '../worker-pool/worker-pool.bindings';
import { createOpenAiProviderPlugin } from '../llm/openai-provider.plugin';
import type { Persistence } from '../persistence/persistence';
import { InMemoryWorkflowStore } from '../../core/store/in-memory-workflow-store';
import { InMemoryApiKeyStore } from '../../core/store/in-memory-api-key-store';
import { schedulerBinding } from '../scheduler/scheduler.bindings';
import { executionDispatcherBinding } from '../queue/queue.bindings';
import { childExecutionsBinding } from '../children/child-executions.bindings';
import { queueOf } from '../concurrency/concurrency.bindings';
import { WaitPoller, type WakeHandler } from '../waits/wait-poller';
import { SignalService } from '../waits/signal-service';
import { localWakeHandler, queueWakeHandler } from '../waits/wake-handlers';

export interface BuildRuntimeOptions {
  /** `database` (default): SQLite under `dataDir`, or PostgreSQL with `databaseUrl`. `memory`: nothing persisted. */
  persistence?: 'database' | 'memory';
  /** Overrides `config.databaseUrl` / the SQLite file (`weft run --db`): a PostgreSQL URL or a SQLite file path. */
  databaseUrl?: string;
  /** Plugins added to the built-ins and `config.plugins` (tests, embedders). */
  extraPlugins?: readonly WeftPlugin[];
  /** Replace services (tests). */
  overrides?: readonly ServiceBinding<any>[];
  logger?: Logger;
  logDestination?: 'stdout' | 'stderr';
  /** False where no saved workflows exist to call (`weft run` without `--db`): `workflow` nodes then fail, saying why. Default true. */
  subWorkflows?: boolean;
}

/** A runtime with the persistence handle (recovery and pruning). */
export interface BuiltRuntime extends WeftRuntime {
  persistence: Persistence | null;
  /** The durable waits' poller (null without a database); started by {@link startWaits}. */
  waits: WaitPoller | null;
  /**
   * Starts waking waiting executions: resumed here (inline mode) or queued for workers (queue
   * mode, or `handler` given). `weft serve` and `weft worker` call it; `close()` stops it.
   */
  startWaits(handler?: WakeHandler): void;
  /** Resumes (or ends `interrupted`) executions a dead process left `running`. */
  recover(): Promise<void>;
}

/**
 * The composition root: parses nothing itself (config is already typed), binds runtime's
 * implementations behind core's tokens, loads built-in and configured plugins the same way,
 * and returns a runtime whose `close()` stops everything in reverse order.
 */
export async function buildRuntime(config: WeftConfig, options: BuildRuntimeOptions = {}): Promise<BuiltRuntime> {
  const logger = options.logger ?? createLogger(config, options.logDestination);
  const plugins: WeftPlugin[] = [
    ...BUILTIN_PLUGIN_DIRS.map((dir) => loadPluginModule(dir)),
    ...config.plugins.map((spec) => loadPluginModule(spec, process.cwd())),
    createOpenAiProviderPlugin(config),
    ...(options.extraPlugins ?? []),
  ];
  let persistence: Persistence | null = null;
  let waits: WaitPoller | null = null;
  let eventBus: { dispose(): Promise<void> } | null = null;
  const services: ServiceBinding<any>[] = [
    bind(Tokens.Logger, () => logger),
    bind(Tokens.KernelSettings, () => ({
      maxOutputBytes: config.maxOutputBytes,
      defaultMaxParallel: 10,
      aggregateWorkerThreshold: config.aggregateWorkerThreshold,
      mapMaxItems: config.mapMaxItems,
      sandboxCeilings: {
        cpuMs: config.sandboxMaxCpuMs,
        wallMs: config.sandboxMaxWallMs,
        memoryMb: config.sandboxMaxMemoryMb,
        outputBytes: config.sandboxMaxOutputBytes,
      },
    })),
    expressionEngineBinding(),
    sandboxBinding(config),
    workerPoolBinding(config),
  ];
  if (options.persistence === 'memory') {
    services.push(
      bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()),
      bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()),
    );
  } else {
    const db = options.databaseUrl;
    const pg = db !== undefined && /^postgres(ql)?:\/\//.test(db);
    const sqliteFile = db !== undefined && !pg ? db : (config.sqliteFile ?? undefined);
    // loaded on demand: `weft run` without --db never pays for the ORM
    const { openPersistence, persistenceBindings } = await import('../persistence/persistence');
    persistence = await openPersistence(db === undefined ? config : { ...config, databaseUrl: pg ? db : null }, logger, { sqliteFile });
    services.push(...persistenceBindings(persistence));
    const store = persistence.executionStore;
    const poller = (waits = new WaitPoller({ store, logger }));
    // a child that ended here wakes its parked parent at once, not on the poller's next pass
    store.onParentDue((parentId) => poller.nudge(parentId));
    services.push(
      bind(
        Tokens.WaitService,
        (r) => new SignalService({ store, workflowStore: r.get(Tokens.WorkflowStore), registry: r.get(Tokens.NodeTypeRegistry), poller }),
      ),
    );
    const pgUrl = pg ? db : db === undefined ? config.databaseUrl : null;
    if (pgUrl) {
      // several processes can share this database: their events reach each other's SSE streams
      try {
        const { PgNotifyEventBus } = await import('../events/pg-notify-event-bus');
        const bus = await PgNotifyEventBus.connect({
          connectionString: pgUrl,
          logger: logger.child({ component: 'events' }),
          fence: (executionId) => store.claimFence(executionId),
        });
        eventBus = bus;
        services.push(bind(Tokens.EventBus, () => bus));
      } catch (err) {
        await persistence.close();
        throw err;
      }
    }
  }
  // the dispatcher first: the scheduler and the API send executions through it (inline or queued)
  services.push(executionDispatcherBinding(config), schedulerBinding(config));
  services.push(childExecutionsBinding({ maxDepth: config.maxWorkflowDepth, available: options.subWorkflows ?? true }));
  let kernel: Kernel;
  try {
    kernel = Kernel.create({ plugins, services, overrides: options.overrides });
  } catch (err) {
    await eventBus?.dispose();
    await persistence?.close();
    throw err;
  }
  return {
    config,
    kernel,
    logger,
    persistent: persistence !== null,
    persistence,
    waits,
    startWaits(handler?: WakeHandler) {
      if (!waits || !persistence) return;
      const store = persistence.executionStore;
      waits.start(
        handler ??
          (config.executionMode === 'queue'
            ? queueWakeHandler(queueOf(kernel.get(Tokens.ExecutionDispatcher))!)
            : localWakeHandler({ store, workflowStore: kernel.get(Tokens.WorkflowStore), executor: kernel.executor, logger })),
      );
    },
    async recover() {
      // in queue mode pg-boss hands an abandoned execution to another worker; resuming it here too could run it twice
      if (persistence && config.executionMode !== 'queue') await persistence.recover(kernel.executor);
    },
    async close() {
      try {
        await waits?.stop();
        await kernel.stop();
      } finally {
        await eventBus?.dispose();
        await persistence?.close();
      }
    },
  };
}
