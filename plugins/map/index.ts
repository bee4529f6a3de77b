/** The `weft.map` plugin: the `map` node type. */
import { mapPlugin } from './map.plugin';

export default mapPlugin;
export { mapPlugin } from './map.plugin';
export { mapNodeType, DEFAULT_MAP_MAX_ITEMS } from './map.node-type';
export { mapConfigSchema, DEFAULT_MAP_CONCURRENCY, MAX_MAP_CONCURRENCY, type MapConfig } from './map-config.schema';
