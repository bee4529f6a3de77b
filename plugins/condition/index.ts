import { conditionPlugin } from './condition.plugin';

export { conditionPlugin } from './condition.plugin';
export { conditionNodeType, DEFAULT_BRANCH, type ConditionOutput } from './condition.node-type';
export { conditionConfigSchema, type ConditionConfig, type ConditionCase } from './condition-config.schema';
export default conditionPlugin;
