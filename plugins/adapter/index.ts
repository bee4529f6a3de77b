import { adapterPlugin } from './adapter.plugin';

export { adapterPlugin } from './adapter.plugin';
export { adapterNodeType } from './adapter.node-type';
export { adapterConfigSchema, ADAPTER_TRANSFORMS, type AdapterConfig, type AdapterTransformName } from './adapter-config.schema';
export type { DataFrameJson } from './dataframe-json';
export default adapterPlugin;
