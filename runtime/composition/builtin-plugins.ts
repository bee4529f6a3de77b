import path from 'node:path';

/**
 * The built-in node-type plugins, loaded by path through the same loader as third-party
 * plugins (runtime does not import plugin code).
 */
export const BUILTIN_PLUGIN_DIRS = ['tool', 'condition', 'adapter', 'aggregator', 'agent', 'workflow', 'map', 'wait'].map((name) =>
  path.join(__dirname, '..', '..', 'plugins', name),
);
