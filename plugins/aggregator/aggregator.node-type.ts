import { join } from 'node:path';
import {
  CancelledError,
  defineNodeType,
  ErrorCodes,
  NodeExecutionError,
  Tokens,
  ValidationError,
  WeftError,
  type KernelSettings,
  type NodeRunContext,
  type Sandbox,
  type ValidationIssue,
  type WorkerPool,
} from '../../core/index';
import {
  chunkValues,
  combinePartials,
  concatValues,
  countValues,
  emptyPartial,
  extractNumbers,
  finishNumeric,
  isNumericStrategy,
  mergeObjects,
  numericPartial,
  type NumericPartial,
  type NumericStrategy,
} from './aggregate-strategies';
import type { AggregateTask } from './aggregate.worker';
import { aggregatorConfigSchema, type AggregatorConfig } from './aggregator-config.schema';

/** Used when neither the node (`workerThreshold`) nor the kernel settings set one. */
export const DEFAULT_WORKER_THRESHOLD = 10_000;
/** Values per chunk: reading one chunk's numbers takes well under a millisecond, so the loop keeps serving between chunks. */
export const AGGREGATE_CHUNK_SIZE = 16_384;
/** Tasks in flight at once; more would only queue copies on the main thread. */
const MAX_IN_FLIGHT = 4;

interface Deps {
  sandbox: Sandbox;
  pool: WorkerPool;
  settings: KernelSettings;
}

/**
 * The `aggregator` node type: reduces a list of values (default: the upstream outputs) with
 * `merge`, `concat`, `count`, `sum`, `avg`, `min`, `max`, or `custom` code in the sandbox.
 * Numeric strategies over more values than the threshold run chunk by chunk in the worker pool,
 * so the event loop keeps serving while a million rows are summed.
 */
export const aggregatorNodeType = defineNodeType<AggregatorConfig, Deps>({
  type: 'aggregator',
  description: 'Aggregates values: merge, concat, count, sum, avg, min, max, or custom sandboxed code.',
  configSchema: aggregatorConfigSchema,
  templateFields: ['inputs'],
  sandboxed: true,
  deps: { sandbox: Tokens.Sandbox, pool: Tokens.WorkerPool, settings: Tokens.KernelSettings },
  create: ({ sandbox, pool, settings }) => ({
    async execute(config: AggregatorConfig, ctx: NodeRunContext): Promise<unknown> {
      const issues = configIssues(config);
      if (issues.length) {
        throw new ValidationError(`aggregator node "${ctx.nodeId}": ${issues[0]!.path}: ${issues[0]!.message}`, {
          code: ErrorCodes.WF_CONFIG_INVALID,
          details: issues,
        });
      }
      const inputs = resolveInputs(config, ctx);
      switch (config.strategy) {
        case 'merge':
          return mergeObjects(inputs);
        case 'concat':
          return concatValues(inputs);
        case 'count':
          return countValues(inputs);
        case 'custom':
          return sandbox.run({
            code: config.code!,
            args: { inputs, variables: ctx.scope.variables },
            limits: ctx.limits,
            signal: ctx.signal,
          });
        default: {
          const strategy = config.strategy;
          const threshold = config.workerThreshold ?? settings.aggregateWorkerThreshold ?? DEFAULT_WORKER_THRESHOLD;
          const partial =
            countValues(inputs) > threshold
              ? await reduceInPool(pool, strategy, inputs, config.field, ctx.signal)
              : reduceHere(strategy, inputs, config.field);
          return finishNumeric(strategy, partial);
        }
      }
    },

    validate: configIssues,
  }),
});

/** Rules the JSON Schema cannot word clearly. */
function configIssues(config: AggregatorConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!config || typeof config !== 'object') return [{ path: 'config', message: 'must be an object' }];
  if (config.strategy === 'custom' && (typeof config.code !== 'string' || !config.code.trim())) {
    issues.push({ path: 'config.code', message: 'strategy "custom" needs code', code: ErrorCodes.WF_CONFIG_INVALID });
  }
  if (config.strategy !== 'custom' && config.code !== undefined) {
    issues.push({
      path: 'config.code',
      message: `code only applies to strategy "custom", not "${config.strategy}"`,
      code: ErrorCodes.WF_CONFIG_INVALID,
    });
  }
  if (config.field !== undefined && !isNumericStrategy(config.strategy)) {
    issues.push({
      path: 'config.field',
      message: `field only applies to sum, avg, min and max, not "${config.strategy}"`,
      code: ErrorCodes.WF_CONFIG_INVALID,
    });
  } else if (typeof config.field === 'string' && config.field.split('.').some((part) => part === '')) {
    issues.push({
      path: 'config.field',
      message: `"${config.field}" is not a dot path of field names (e.g. "amount" or "price.net")`,
      code: ErrorCodes.WF_CONFIG_INVALID,
    });
  }
  return issues;
}

function resolveInputs(config: AggregatorConfig, ctx: NodeRunContext): readonly unknown[] {
  const inputs: unknown = config.inputs === undefined ? ctx.upstream.map((u) => u.output) : config.inputs;
  if (!Array.isArray(inputs)) {
    throw new NodeExecutionError(
      `aggregator node "${ctx.nodeId}": config.inputs must be a list (got ${inputs === null ? 'null' : typeof inputs})`,
      { details: { path: 'config.inputs' } },
    );
  }
  return inputs;
}

function reduceHere(strategy: NumericStrategy, inputs: readonly unknown[], field?: string): NumericPartial {
  // Chunked exactly like the pool path, so both add in the same order and agree to the last bit.
  let acc = emptyPartial();
  for (const chunk of chunkValues(inputs, AGGREGATE_CHUNK_SIZE)) acc = combinePartials(acc, numericPartial(strategy, chunk, field));
  return acc;
}

/**
 * Sends the chunks to the worker pool, a few at a time. The main thread only reads each chunk's
 * numbers into a `Float64Array` (it must touch every row anyway; cloning the row objects to a
 * thread would cost more than the sum and stall the loop in garbage collection); the workers
 * reduce them. A non-numeric value fails while reading, so the first offender is the one named.
 */
async function reduceInPool(
  pool: WorkerPool,
  strategy: NumericStrategy,
  inputs: readonly unknown[],
  field: string | undefined,
  signal: AbortSignal,
): Promise<NumericPartial> {
  const workerFile = join(__dirname, 'aggregate.worker.js');
  const partials: NumericPartial[] = [];
  let firstError: { ordinal: number; error: unknown } | null = null;
  const inFlight = new Set<Promise<void>>();
  let ordinal = 0;
  for (const chunk of chunkValues(inputs, AGGREGATE_CHUNK_SIZE)) {
    if (firstError || signal.aborted) break;
    const mine = ordinal++;
    const task: AggregateTask = { values: extractNumbers(strategy, chunk, field) };
    const done: Promise<void> = pool
      .run<NumericPartial>(workerFile, 'aggregate', task, signal)
      .then(
        (p) => void (partials[mine] = p),
        (error: unknown) => {
          if (!firstError || mine < firstError.ordinal) firstError = { ordinal: mine, error };
        },
      )
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    // Workers answer within a fraction of a millisecond, so their replies would keep arriving
    // inside one drain of the message port and starve timers and I/O; continuing from the
    // check phase lets every other callback run between two chunks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
  if (firstError) throw (firstError as { error: unknown }).error;
  if (signal.aborted) throw signal.reason instanceof WeftError ? signal.reason : new CancelledError('the aggregation was cancelled');
  // Combined in chunk order, like the main-thread path.
  return partials.reduce(combinePartials, emptyPartial());
}
