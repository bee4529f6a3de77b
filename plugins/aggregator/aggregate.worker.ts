import { reduceNumbers, type NumericPartial } from './aggregate-strategies';

/** One chunk's numbers, as the aggregator node type sends them to the worker pool. */
export interface AggregateTask {
  values: Float64Array;
}

/**
 * Runs in a worker thread (through the worker pool): reduces one chunk of numbers to a partial
 * that the main thread combines, in chunk order, with the others.
 */
export function aggregate(task: AggregateTask): NumericPartial {
  return reduceNumbers(task.values);
}
