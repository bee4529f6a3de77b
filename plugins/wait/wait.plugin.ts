import { definePlugin } from '../../core/index';
import { waitNodeType } from './wait.node-type';

/** Built-in plugin adding the `wait` node type (durable timers and signals). */
export const waitPlugin = definePlugin({
  id: 'weft.wait',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(waitNodeType);
  },
});
