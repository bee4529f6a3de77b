import { definePlugin } from '../../core/index';
import { adapterNodeType } from './adapter.node-type';

/** Built-in plugin adding the `adapter` node type (needs an `ExpressionEngine` and a `Sandbox` bound). */
export const adapterPlugin = definePlugin({
  id: 'weft.adapter',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(adapterNodeType);
  },
});
