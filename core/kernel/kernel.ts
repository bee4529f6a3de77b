import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { asInjectionToken, Tokens, type Token, type KernelSettings, type SandboxCeilings } from '../di/tokens';
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
import { ConfigurationError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';

/** A service binding: a token and the factory that builds its singleton. */
export interface ServiceBinding<T = unknown> {
  token: Token<T>;
  factory: (resolver: Resolver) => T;
}

/** Helper to type a {@link ServiceBinding}. */
export function bind<T>(token: Token<T>, factory: (resolver: Resolver) => T): ServiceBinding<T> {
  return { token, factory: factory as (r: Resolver) => T };
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
      bind(Tokens.WorkflowValidator, (r) => new WorkflowValidator(r.get(Tokens.NodeTypeRegistry), r.get(Tokens.KernelSettings).sandboxCeilings ?? DEFAULT_SANDBOX_CEILINGS)),
      bind(Tokens.WorkflowExecutor, (r) => new WorkflowExecutor(r)),
    ];
    for (const b of defaults) kernel.bindService(b);
    for (const b of options.services ?? []) kernel.bindService(b);
    const nodeTypes: Array<{ def: NodeTypeDefinition; pluginId: string }> = [];
    for (const plugin of kernel.plugins) {
      const registrar: PluginRegistrar = {
        addNodeType: (def) => nodeTypes.push({ def: def as NodeTypeDefinition, pluginId: plugin.id }),
        provide: (token, factory) => kernel.bindService({ token, factory }),
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
    for (const b of options.overrides ?? []) kernel.bindService(b);
    const registry = kernel.get(Tokens.NodeTypeRegistry);
    for (const { def, pluginId } of nodeTypes) {
      const deps: Record<string, unknown> = {};
      for (const [key, token] of Object.entries(def.deps ?? {})) deps[key] = kernel.get(token as Token<unknown>);
      registry.add({ definition: def, pluginId, executor: def.create(deps) });
    }
    return kernel;
  }

  get<T>(token: Token<T>): T {
    if (this.stopped) throw new ConfigurationError('the kernel is stopped');
    return this.container.resolve(asInjectionToken(token));
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

  private bindService<T>(binding: ServiceBinding<T>): void {
    this.container.register(asInjectionToken(binding.token), {
      useFactory: instanceCachingFactory(() => {
        const value = binding.factory(this);
        if (value && typeof value === 'object') this.created.push(value);
        return value;
      }),
    });
  }
}
