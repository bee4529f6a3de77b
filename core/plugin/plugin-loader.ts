import { ConfigurationError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { WeftPlugin } from './plugin';

/**
 * Loads a plugin module by name or path (`require` resolution from `baseDir`) and checks its
 * shape. Third-party plugins and built-in ones go through the same function.
 */
export function loadPluginModule(specifier: string, baseDir: string = process.cwd()): WeftPlugin {
  let mod: unknown;
  try {
    const resolved = require.resolve(specifier, { paths: [baseDir] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(resolved);
  } catch (err) {
    throw new ConfigurationError(`plugin "${specifier}" could not be loaded: ${(err as Error).message.split('\n')[0]}`, {
      code: ErrorCodes.WF_PLUGIN,
    });
  }
  const plugin = (mod as { default?: unknown })?.default ?? mod;
  assertPlugin(plugin, specifier);
  return plugin;
}

/** Throws a clear error unless `value` has the shape of a {@link WeftPlugin}. */
export function assertPlugin(value: unknown, where: string): asserts value is WeftPlugin {
  const p = value as Partial<WeftPlugin> | null;
  const problems: string[] = [];
  if (!p || typeof p !== 'object') problems.push('the module does not export a plugin object');
  else {
    if (typeof p.id !== 'string' || !/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)+$/i.test(p.id))
      problems.push('"id" must be a dotted name such as "acme.greeter"');
    if (typeof p.version !== 'string') problems.push('"version" must be a string');
    if (typeof p.register !== 'function') problems.push('"register" must be a function');
    if (p.dependsOn !== undefined && !(Array.isArray(p.dependsOn) && p.dependsOn.every((d) => typeof d === 'string')))
      problems.push('"dependsOn" must be a list of plugin ids');
  }
  if (problems.length) {
    throw new ConfigurationError(`plugin "${where}" is invalid: ${problems.join('; ')}`, { code: ErrorCodes.WF_PLUGIN, details: problems });
  }
}

/**
 * Orders plugins so each comes after the plugins it depends on. Fails on duplicate ids,
 * missing dependencies and dependency cycles, naming them.
 */
export function orderPlugins(plugins: readonly WeftPlugin[]): WeftPlugin[] {
  const byId = new Map<string, WeftPlugin>();
  for (const p of plugins) {
    if (byId.has(p.id)) throw new ConfigurationError(`plugin "${p.id}" is loaded twice`, { code: ErrorCodes.WF_PLUGIN });
    byId.set(p.id, p);
  }
  for (const p of plugins) {
    for (const dep of p.dependsOn ?? []) {
      if (!byId.has(dep)) {
        throw new ConfigurationError(`plugin "${p.id}" depends on "${dep}", which is not loaded`, { code: ErrorCodes.WF_PLUGIN });
      }
    }
  }
  const ordered: WeftPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: WeftPlugin, trail: string[]) => {
    const s = state.get(p.id);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new ConfigurationError(`plugin dependency cycle: ${[...trail, p.id].join(' → ')}`, { code: ErrorCodes.WF_PLUGIN });
    }
    state.set(p.id, 'visiting');
    for (const dep of p.dependsOn ?? []) visit(byId.get(dep)!, [...trail, p.id]);
    state.set(p.id, 'done');
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}
