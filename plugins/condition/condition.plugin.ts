import { definePlugin } from '../../core/index';
import { conditionNodeType } from './condition.node-type';

/** Built-in plugin adding the `condition` node type (needs an `ExpressionEngine` bound). */
export const conditionPlugin = definePlugin({
  id: 'weft.condition',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(conditionNodeType);
  },
});
