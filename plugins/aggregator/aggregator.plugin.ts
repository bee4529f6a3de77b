import { definePlugin } from '../../core/index';
import { aggregatorNodeType } from './aggregator.node-type';

/**
 * Built-in plugin adding the `aggregator` node type. Needs `Tokens.Sandbox` (strategy `custom`)
 * and `Tokens.WorkerPool` (large numeric aggregations) bound; the worker threshold comes from
 * `KernelSettings.aggregateWorkerThreshold` (10,000 when unset) or the node's `workerThreshold`.
 */
export const aggregatorPlugin = definePlugin({
  id: 'weft.aggregator',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(aggregatorNodeType);
  },
});
