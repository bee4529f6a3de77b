import type { Token } from '../di/token';
import type { NodeTypeDefinition } from './node-type';

/** Resolves services while a plugin's factories run. */
export interface Resolver {
  get<T>(token: Token<T>): T;
  /** True when something binds `token` (an optional service is looked up through this, never by catching `get`). */
  has(token: Token<unknown>): boolean;
  /** Every item contributed to an extension point (empty when none). */
  getAll<T>(point: Token<T>): T[];
}

/** What a plugin can do while it registers. */
export interface PluginRegistrar {
  addNodeType<C, D>(def: NodeTypeDefinition<C, D>): void;
  /**
   * Binds a singleton service; the factory runs once, on first use. A `dispose()` on it runs at
   * kernel stop. A token the kernel, the runtime or another plugin already binds is a startup error.
   */
  provide<T>(token: Token<T>, factory: (resolver: Resolver) => T): void;
  /** Adds an item to an extension point (e.g. a tool to `ExtensionPoints.Tools`). */
  contribute<T>(point: Token<T>, item: T): void;
}

/** A weft plugin: built-in and third-party plugins use the same contract. */
export interface WeftPlugin {
  /** Unique, dotted (`weft.condition`, `acme.greeter`). */
  id: string;
  version: string;
  /** Ids of plugins that must be loaded (they register first). */
  dependsOn?: readonly string[];
  register(reg: PluginRegistrar): void;
}

/** Identity helper that types a plugin. */
export function definePlugin(plugin: WeftPlugin): WeftPlugin {
  return plugin;
}
