import { waitPlugin } from './wait.plugin';

export { waitPlugin } from './wait.plugin';
export { waitNodeType } from './wait.node-type';
export { waitConfigSchema, type WaitConfig } from './wait-config.schema';
export default waitPlugin;
