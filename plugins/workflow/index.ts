/** The `weft.workflow` plugin: the `workflow` node type (sub-workflows). */
import { workflowPlugin } from './workflow.plugin';

export default workflowPlugin;
export { workflowPlugin } from './workflow.plugin';
export { workflowNodeType } from './workflow.node-type';
export { workflowConfigSchema, type WorkflowNodeConfig } from './workflow-config.schema';
