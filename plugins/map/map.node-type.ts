import { setMaxListeners } from 'node:events';
import {
  defineNodeType,
  ErrorCodes,
  isParkRequest,
  NodeExecutionError,
  parkNode,
  serializeError,
  TimeoutError,
  Tokens,
  type ChildExecutions,
  type InlineNodeRunner,
  type InlineResult,
  type KernelSettings,
  type MapItemStore,
  type NodeRunContext,
  type ParkRequest,
  type ValidationIssue,
} from '../../core/index';
import { DEFAULT_MAP_CONCURRENCY, mapConfigSchema, type MapConfig } from './map-config.schema';
import { MapRun, type MapOutput, type ParkedItem } from './map-run';
import { ItemParking } from './item-parking';

/** Used when the kernel settings set no `mapMaxItems`. */
export const DEFAULT_MAP_MAX_ITEMS = 100_000;
/** The template roots an inline node gets besides the execution's. */
const ITEM_ROOTS = ['item', 'index'] as const;
/** Node types an inline template may not use: a nested map would multiply fan-out, a wait would park the holder's slot. */
const NOT_INLINE = new Set(['map', 'wait']);

interface Deps {
  inline: InlineNodeRunner;
  children: ChildExecutions;
  records: MapItemStore;
  settings: KernelSettings;
}

/**
 * The `map` node type: runs an inline node template once per item of a list, at most
 * `concurrency` at once, inside the map node's own slot. Each finished item is recorded
 * durably, so a resumed execution runs only the items that were in flight. In workflow mode,
 * once every item in flight is a child that waits (or runs in another process) and no item can
 * start, the node parks on those children: the first to end wakes it, and its next run takes the
 * recorded items, re-attaches to the children in flight (same attempt, same keys) and goes on.
 */
export const mapNodeType = defineNodeType<MapConfig, Deps>({
  type: 'map',
  description: 'Runs a node template for each item of a list (templates see item and index); output { items, failed }.',
  configSchema: mapConfigSchema,
  templateFields: ['items'],
  deps: { inline: Tokens.InlineNodes, children: Tokens.ChildExecutions, records: Tokens.MapItemStore, settings: Tokens.KernelSettings },
  create: ({ inline, children, records, settings }) => ({
    validate(config: MapConfig): ValidationIssue[] {
      if ((config.node === undefined) === (config.workflow === undefined)) {
        return [
          {
            path: 'config',
            message: 'needs exactly one of "node" (an inline node template) and "workflow"',
            code: ErrorCodes.WF_CONFIG_INVALID,
          },
        ];
      }
      // an unknown workflowId is a save-time problem found where the workflow store is (the API)
      if (config.workflow) return [];
      const node = config.node!;
      if (NOT_INLINE.has(node.type)) {
        return [
          { path: 'config.node.type', message: `a map's inline node cannot be of type "${node.type}"`, code: ErrorCodes.WF_CONFIG_INVALID },
        ];
      }
      return inline.validate(node, '(map item)', ITEM_ROOTS).map((i) => ({ ...i, path: `config.node.${i.path}` }));
    },

    async execute(config: MapConfig, ctx: NodeRunContext): Promise<MapOutput | ParkRequest> {
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
        throw new NodeExecutionError(
          `node "${ctx.nodeId}": ${items.length} items is more than the ${max} a map accepts (WEFT_MAP_MAX_ITEMS)`,
          {
            code: ErrorCodes.WF_MAP_TOO_MANY_ITEMS,
            details: { nodeId: ctx.nodeId, count: items.length, max },
          },
        );
      }
      const prior = await records.list(ctx.executionId, ctx.nodeId);
      const rest = new AbortController();
      const signal = AbortSignal.any([ctx.signal, rest.signal]);
      // every item in flight may listen to it (http.request, core.sleep): not a leak
      setMaxListeners(0, signal);
      const { executionId, nodeId } = ctx;
      const deadlineAt = ctx.deadlineAt ?? null;
      const mayPark = ctx.canPark === true;
      // woken at or past its deadline: takes the children that ended, ends the others, times out
      const late = deadlineAt !== null && deadlineAt <= Date.now();
      let runItem: (index: number, item: unknown) => Promise<InlineResult | ParkedItem>;
      // an inline item parked on its child goes on where it parked (attempt, deadline)
      const parking = new ItemParking(prior, ctx.attempt, (rec) => records.record(executionId, nodeId, rec));
      if (config.workflow) {
        const { workflowId, version } = config.workflow;
        runItem = (index, item) => runChild(children, { ctx, signal, workflowId, version, index, item, park: mayPark, late });
      } else {
        // an inline `workflow` item whose child waits parks like a workflow-mode item
        const batch = inline.start(
          // past the deadline an item's retry would only start a child to cancel it: none
          inline.compile(late ? { ...config.node!, retry: undefined } : config.node!, ctx.nodeId, ITEM_ROOTS),
          ctx,
          signal,
          mayPark && config.node!.type === 'workflow',
        );
        // past the map's deadline an inline `workflow` item ends its unfinished child and times out (see lateItem)
        runItem = async (index, item) => {
          const r = await batch.run({ item, index }, parking.resumeOf(index));
          if (late) return lateItem(r);
          const end = parkedItem(r);
          if ('parkedOn' in end && r.ok && r.parked) await parking.parked(index, r.parked);
          return end;
        };
      }
      const end = await new MapRun(
        {
          items,
          concurrency: config.concurrency ?? DEFAULT_MAP_CONCURRENCY,
          continueOnFailure: config.onItemFailure === 'continue',
          runItem,
          record: (rec) => records.record(executionId, nodeId, rec),
          progress: (p) => ctx.progress(p),
          cancelRest: (reason) => rest.abort(reason),
          signal,
        },
        prior,
      ).run();
      if ('output' in end) return end.output;
      if (late) {
        throw new TimeoutError(
          `node "${nodeId}" timed out (attempt ${ctx.attempt}): ${end.parkOn.length} child execution(s) had not ended by its deadline and were cancelled`,
          { code: ErrorCodes.WF_NODE_TIMEOUT, details: { childExecutionIds: end.parkOn } },
        );
      }
      ctx.logger.info({ children: end.parkOn.length }, 'parked on the child executions in flight');
      // with a node timeout the wait ends at the attempt's deadline too; before it, at the first item's own deadline
      return parkNode({ kind: 'children', childExecutionIds: end.parkOn, timeoutAt: deadlineAt, wakeAt: parking.wakeAt(deadlineAt) });
    },
  }),
});

/** An inline `workflow` item run past the map's deadline: its child, which it cancelled, counts as parked on (the map then times out). */
function lateItem(r: InlineResult): InlineResult | ParkedItem {
  const child = (r.ok ? undefined : (r.error.details as { childExecutionId?: unknown } | undefined))?.childExecutionId;
  if (!r.ok && r.error.code === ErrorCodes.WF_NODE_TIMEOUT && typeof child === 'string') return { parkedOn: child };
  return parkedItem(r);
}

/** An inline item's run that returned `parkNode` on a child: that item parked. */
function parkedItem(r: InlineResult): InlineResult | ParkedItem {
  if (!r.ok || !isParkRequest(r.output)) return r;
  const wait = r.output.wait;
  if (wait.kind === 'child') return { parkedOn: wait.childExecutionId };
  const error = new NodeExecutionError(`a map item cannot wait on a ${wait.kind}`, { code: ErrorCodes.WF_WAIT_UNSUPPORTED });
  return { ok: false, error: { ...serializeError(error), attempt: r.attempts }, attempts: r.attempts, aborted: false };
}

interface ChildItem {
  ctx: NodeRunContext;
  signal: AbortSignal;
  workflowId: string;
  version: number | 'latest' | undefined;
  index: number;
  item: unknown;
  /** The node may park: a child that waits or runs elsewhere is not awaited here. */
  park: boolean;
  /** Past the node's deadline: an item whose child has not ended is not awaited but cancelled (and reads as parked on it). */
  late: boolean;
}

/**
 * One item as a child execution with inputs `{ item, index }` (a resumed or woken node re-attaches
 * to it by its key): its outputs, `WF_CHILD_FAILED` naming the child, or, when the node may park,
 * the child's id once it waits or runs in another process.
 */
async function runChild(children: ChildExecutions, c: ChildItem): Promise<InlineResult | ParkedItem> {
  const { ctx, signal, workflowId, index } = c;
  try {
    const child = await children.start({
      parentExecutionId: ctx.executionId,
      parentNodeId: ctx.nodeId,
      attempt: ctx.attempt,
      itemIndex: index,
      workflowId,
      version: c.version ?? 'latest',
      inputs: { item: c.item, index },
      signal,
    });
    const doc = c.late ? await child.ended() : c.park ? await child.endedOrParked() : await child.done;
    if (!doc) {
      if (c.late) child.cancel(`node "${ctx.nodeId}" reached its timeoutMs`);
      return { parkedOn: child.executionId };
    }
    if (doc.status === 'succeeded' || doc.status === 'partially_succeeded') return { ok: true, output: doc.outputs ?? {}, attempts: 1 };
    if (signal.aborted) return { ok: false, error: { ...serializeError(signal.reason), attempt: 1 }, attempts: 1, aborted: true };
    const code = doc.error?.code ?? ErrorCodes.WF_NODE_FAILED;
    const message = `child execution ${doc.id} of workflow "${workflowId}" ended ${doc.status} (${code}): ${doc.error?.message ?? 'no error recorded'}`;
    const error = new NodeExecutionError(message, {
      code: ErrorCodes.WF_CHILD_FAILED,
      details: { childExecutionId: doc.id, childStatus: doc.status, childErrorCode: code },
    });
    return { ok: false, error: { ...serializeError(error), attempt: 1 }, attempts: 1, aborted: false };
  } catch (err) {
    return { ok: false, error: { ...serializeError(err), attempt: 1 }, attempts: 1, aborted: signal.aborted };
  }
}
