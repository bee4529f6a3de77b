import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { Tokens } from '../di/tokens';
import { asInjectionToken, tokenName, type Token } from '../di/token';
import type { KernelSettings, SandboxCeilings } from './kernel-settings';
import { orderPlugins } from '../plugin/plugin-loader';
import { NodeTypeRegistry } from '../plugin/node-type-registry';
import type { PluginRegistrar, Resolver, WeftPlugin } from '../plugin/plugin';
import type { NodeTypeDefinition } from '../plugin/node-type';
import { InProcessEventBus } from '../events/in-process-event-bus';
import { systemClock } from '../services/clock';
import { silentLogger } from '../services/logger';
import { InMemoryExecutionStore } from '../store/in-memory-execution-store';
import { WorkflowValidator } from '../dag/workflow-validator';
import { InMemorySecretStore } from '../secrets/in-memory-secret-store';
import { WorkflowExecutor } from '../executor/workflow-executor';
import { InlineNodeRunner } from '../executor/inline-node-runner';
import { UnrecordedMapItemStore } from '../store/map-item-store';
import { UnavailableChildExecutions } from '../services/child-executions';
import { ConfigurationError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';

/** A service binding: a token and the factory that builds its singleton. */
export interface ServiceBinding<T = unknown> {
  token: Token<T>;
  factory: (resolver: Resolver) => T;
}

/** Helper to type a {@link ServiceBinding}. */
export function bind<T>(token: Token<T>, factory: (resolver: Resolver) => T): ServiceBinding<T> {
  return { token, factory: factory };
}

export interface KernelOptions {
  plugins: readonly WeftPlugin[];
  /** Infrastructure bound before plugins register (runtime's implementations). */
  services?: readonly ServiceBinding<any>[];
  /** Bound after plugins: they replace anything of the same token (tests, embedders). */
  overrides?: readonly ServiceBinding<any>[];
}

export const DEFAULT_SANDBOX_CEILINGS: SandboxCeilings = { cpuMs: 10_000, wallMs: 60_000, memoryMb: 512, outputBytes: 64 * 1024 * 1024 };

export const DEFAULT_KERNEL_SETTINGS: KernelSettings = {
  maxOutputBytes: 16 * 1024 * 1024,
  defaultMaxParallel: 10,
  sandboxCeilings: DEFAULT_SANDBOX_CEILINGS,
};

/**
 * The kernel: a DI container with core's services, the plugins' node types and services,
 * and a stop() that disposes what it built, newest first.
 */
export class Kernel implements Resolver {
  private readonly created: unknown[] = [];
  /** Who bound each service token (the kernel, the runtime, or `plugin "id"`), to name both sides of a clash. */
  private readonly owners = new Map<symbol, string>();
  private stopped = false;

  private constructor(
    private readonly container: DependencyContainer,
    readonly plugins: readonly WeftPlugin[],
  ) {}

  /** Builds a kernel: core defaults, then `services`, then plugins in dependency order, then `overrides`. */
  static create(options: KernelOptions): Kernel {
    const kernel = new Kernel(rootContainer.createChildContainer(), orderPlugins(options.plugins));
    const defaults: ServiceBinding<any>[] = [
      bind(Tokens.EventBus, () => new InProcessEventBus()),
      bind(Tokens.Clock, () => systemClock),
      bind(Tokens.Logger, () => silentLogger),
      bind(Tokens.KernelSettings, () => DEFAULT_KERNEL_SETTINGS),
      bind(Tokens.ExecutionStore, () => new InMemoryExecutionStore()),
      bind(Tokens.SecretStore, () => new InMemorySecretStore()),
      bind(Tokens.NodeTypeRegistry, () => new NodeTypeRegistry()),
      bind(
        Tokens.WorkflowValidator,
        (r) =>
          new WorkflowValidator(r.get(Tokens.NodeTypeRegistry), r.get(Tokens.KernelSettings).sandboxCeilings ?? DEFAULT_SANDBOX_CEILINGS),
      ),
      bind(Tokens.MapItemStore, () => new UnrecordedMapItemStore()),
      bind(Tokens.ChildExecutions, () => new UnavailableChildExecutions()),
      bind(
        Tokens.InlineNodes,
        (r) =>
          new InlineNodeRunner({
            registry: r.get(Tokens.NodeTypeRegistry),
            clock: r.get(Tokens.Clock),
            settings: r.get(Tokens.KernelSettings),
          }),
      ),
      bind(
        Tokens.WorkflowExecutor,
        (r) =>
          new WorkflowExecutor({
            validator: r.get(Tokens.WorkflowValidator),
            store: r.get(Tokens.ExecutionStore),
            bus: r.get(Tokens.EventBus),
            clock: r.get(Tokens.Clock),
            logger: r.get(Tokens.Logger),
            settings: r.get(Tokens.KernelSettings),
            secrets: r.get(Tokens.SecretStore),
          }),
      ),
    ];
    for (const b of defaults) kernel.bindService(b, 'the kernel');
    for (const b of options.services ?? []) kernel.bindService(b, 'the runtime');
    const nodeTypes: Array<{ def: NodeTypeDefinition; pluginId: string }> = [];
    for (const plugin of kernel.plugins) {
      const registrar: PluginRegistrar = {
        addNodeType: (def) => nodeTypes.push({ def: def as NodeTypeDefinition, pluginId: plugin.id }),
        provide: (token, factory) => kernel.provide(plugin.id, { token, factory }),
        contribute: (point, item) => kernel.container.register(asInjectionToken(point), { useValue: item }),
      };
      try {
        plugin.register(registrar);
      } catch (err) {
        throw new ConfigurationError(`plugin "${plugin.id}" failed to register: ${(err as Error).message}`, {
          code: ErrorCodes.WF_PLUGIN,
          cause: err,
        });
      }
    }
    for (const b of options.overrides ?? []) kernel.bindService(b, 'an override');
    const registry = kernel.get(Tokens.NodeTypeRegistry);
    for (const { def, pluginId } of nodeTypes) {
      registry.add({ definition: def, pluginId, executor: def.create(kernel.nodeTypeDeps(def, pluginId)) });
    }
    return kernel;
  }

  /** A node type's `deps`, resolved; one nothing binds fails startup naming the plugin, the node type and the service. */
  private nodeTypeDeps(def: NodeTypeDefinition, pluginId: string): Record<string, unknown> {
    const deps: Record<string, unknown> = {};
    for (const [key, token] of Object.entries(def.deps ?? {}) as Array<[string, Token<unknown>]>) {
      if (!this.has(token)) {
        const message = `plugin "${pluginId}": node type "${def.type}" needs service "${tokenName(token)}" (deps.${key}), which nothing binds`;
        throw new ConfigurationError(message, {
          code: ErrorCodes.WF_PLUGIN,
          details: { plugin: pluginId, nodeType: def.type, service: tokenName(token) },
        });
      }
      deps[key] = this.get(token);
    }
    return deps;
  }

  /** A plugin's `provide`: it may not replace a service the kernel, the runtime or another plugin binds. */
  private provide<T>(pluginId: string, binding: ServiceBinding<T>): void {
    const owner = this.owners.get(binding.token);
    if (owner !== undefined) {
      const message = `plugin "${pluginId}" provides service "${tokenName(binding.token)}", which ${owner} already binds`;
      throw new ConfigurationError(message, {
        code: ErrorCodes.WF_PLUGIN,
        details: { plugin: pluginId, service: tokenName(binding.token), boundBy: owner },
      });
    }
    this.bindService(binding, `plugin "${pluginId}"`);
  }

  get<T>(token: Token<T>): T {
    if (this.stopped) throw new ConfigurationError('the kernel is stopped');
    return this.container.resolve(asInjectionToken(token));
  }

  has(token: Token<unknown>): boolean {
    return this.container.isRegistered(asInjectionToken(token), true);
  }

  getAll<T>(point: Token<T>): T[] {
    const t = asInjectionToken(point);
    return this.container.isRegistered(t, true) ? this.container.resolveAll(t) : [];
  }

  /** The executor (shortcut for `get(Tokens.WorkflowExecutor)`). */
  get executor(): WorkflowExecutor {
    return this.get(Tokens.WorkflowExecutor);
  }

  get validator(): WorkflowValidator {
    return this.get(Tokens.WorkflowValidator);
  }

  /** Disposes every service the kernel built (those with `dispose()` or `stop()`), newest first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    for (const svc of this.created.reverse()) {
      const s = svc as { dispose?: () => unknown; stop?: () => unknown } | null;
      try {
        if (s && typeof s.dispose === 'function') await s.dispose();
        else if (s && typeof s.stop === 'function') await s.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new ConfigurationError(`kernel stop had ${errors.length} error(s): ${(errors[0] as Error).message}`);
  }

  private bindService<T>(binding: ServiceBinding<T>, owner: string): void {
    this.owners.set(binding.token, owner);
    this.container.register(asInjectionToken(binding.token), {
      useFactory: instanceCachingFactory(() => {
        const value = binding.factory(this);
        if (value && typeof value === 'object') this.created.push(value);
        return value;
      }),
    });
  }
}
