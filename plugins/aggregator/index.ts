/** The `weft.aggregator` plugin: the `aggregator` node type. */
import { aggregatorPlugin } from './aggregator.plugin';

export default aggregatorPlugin;
export { aggregatorPlugin } from './aggregator.plugin';
export { aggregatorNodeType, DEFAULT_WORKER_THRESHOLD, AGGREGATE_CHUNK_SIZE } from './aggregator.node-type';
export { aggregatorConfigSchema, AGGREGATE_STRATEGIES, type AggregatorConfig, type AggregateStrategy } from './aggregator-config.schema';
export * from './aggregate-strategies';
