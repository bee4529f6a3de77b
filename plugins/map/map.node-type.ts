import { setMaxListeners } from 'node:events';
import {
  defineNodeType,
  ErrorCodes,
  NodeExecutionError,
  Tokens,
  type InlineNodeRunner,
  type KernelSettings,
  type MapItemStore,
  type NodeRunContext,
  type ValidationIssue,
} from '../../core/index';
import { DEFAULT_MAP_CONCURRENCY, mapConfigSchema, type MapConfig } from './map-config.schema';
import { MapRun, type MapOutput } from './map-run';

/** Used when the kernel settings set no `mapMaxItems`. */
export const DEFAULT_MAP_MAX_ITEMS = 100_000;
/** The template roots an inline node gets besides the execution's. */
const ITEM_ROOTS = ['item', 'index'] as const;
/** Node types an inline template may not use: a nested map would multiply fan-out, a wait would park the holder's slot. */
const NOT_INLINE = new Set(['map', 'wait']);

interface Deps {
  inline: InlineNodeRunner;
  records: MapItemStore;
  settings: KernelSettings;
}

/**
 * The `map` node type: runs an inline node template once per item of a list, at most
 * `concurrency` at once, inside the map node's own slot. Each finished item is recorded
 * durably, so a resumed execution runs only the items that were in flight.
 */
export const mapNodeType = defineNodeType<MapConfig, Deps>({
  type: 'map',
  description: 'Runs a node template for each item of a list (templates see item and index); output { items, failed }.',
  configSchema: mapConfigSchema,
  templateFields: ['items'],
  deps: { inline: Tokens.InlineNodes, records: Tokens.MapItemStore, settings: Tokens.KernelSettings },
  create: ({ inline, records, settings }) => ({
    validate(config: MapConfig): ValidationIssue[] {
      if ((config.node === undefined) === (config.workflow === undefined)) {
        return [{ path: 'config', message: 'needs exactly one of "node" (an inline node template) and "workflow"', code: ErrorCodes.WF_CONFIG_INVALID }];
      }
      if (config.workflow) {
        return [{ path: 'config.workflow', message: 'a map over a child workflow needs the workflow node type, which this weft does not have yet', code: ErrorCodes.WF_CONFIG_INVALID }];
      }
      const node = config.node!;
      if (NOT_INLINE.has(node.type)) {
        return [{ path: 'config.node.type', message: `a map's inline node cannot be of type "${node.type}"`, code: ErrorCodes.WF_CONFIG_INVALID }];
      }
      return inline.validate(node, '(map item)', ITEM_ROOTS).map((i) => ({ ...i, path: `config.node.${i.path}` }));
    },

    async execute(config: MapConfig, ctx: NodeRunContext): Promise<MapOutput> {
      const items = config.items;
      if (!Array.isArray(items)) {
        const got = items === null ? 'null' : typeof items;
        throw new NodeExecutionError(`node "${ctx.nodeId}": items must be an array, got ${got}`, {
          code: ErrorCodes.WF_MAP_ITEMS_NOT_ARRAY,
          details: { nodeId: ctx.nodeId, got },
        });
      }
      const max = settings.mapMaxItems ?? DEFAULT_MAP_MAX_ITEMS;
      if (items.length > max) {
        throw new NodeExecutionError(`node "${ctx.nodeId}": ${items.length} items is more than the ${max} a map accepts (WEFT_MAP_MAX_ITEMS)`, {
          code: ErrorCodes.WF_MAP_TOO_MANY_ITEMS,
          details: { nodeId: ctx.nodeId, count: items.length, max },
        });
      }
      const template = inline.compile(config.node!, ctx.nodeId, ITEM_ROOTS);
      const prior = await records.list(ctx.executionId, ctx.nodeId);
      const rest = new AbortController();
      const signal = AbortSignal.any([ctx.signal, rest.signal]);
      // every item in flight may listen to it (http.request, core.sleep): not a leak
      setMaxListeners(0, signal);
      const batch = inline.start(template, ctx, signal);
      const { executionId, nodeId } = ctx;
      return new MapRun({
        items,
        concurrency: config.concurrency ?? DEFAULT_MAP_CONCURRENCY,
        continueOnFailure: config.onItemFailure === 'continue',
        prior,
        runItem: (index, item) => batch.run({ item, index }),
        record: (rec) => records.record(executionId, nodeId, rec),
        progress: (p) => ctx.progress(p),
        cancelRest: (reason) => rest.abort(reason),
        signal,
      }).run();
    },
  }),
});
