import { definePlugin } from '../../core/index';
import { mapNodeType } from './map.node-type';

/** Built-in plugin adding the `map` node type (fan-out over a list). */
export const mapPlugin = definePlugin({
  id: 'weft.map',
  version: '1.0.0',
  register(reg) {
    reg.addNodeType(mapNodeType);
  },
});
