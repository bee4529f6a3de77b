import { definePlugin } from '../../core/index';
import { workflowNodeType } from './workflow.node-type';

/** Built-in plugin adding the `workflow` node type (needs `Tokens.ChildExecutions`, which runtime binds). */
export const workflowPlugin = definePlugin({
  id: 'weft.workflow',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(workflowNodeType);
  },
});
