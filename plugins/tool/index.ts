/** The `weft.tool` plugin: the `tool` node type, the tool registry and the built-in tools. */
import { toolPlugin } from './tool.plugin';

export default toolPlugin;
export { toolPlugin, createToolPlugin, type ToolPluginOptions } from './tool.plugin';
export { AjvToolRegistry } from './tool-registry';
export { toolNodeType, type ToolNodeConfig } from './tool.node-type';
export { echoTool } from './echo.tool';
export { sleepTool, sleep, type SleepInput } from './sleep.tool';
export {
  createHttpRequestTool,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpRequestInput,
  type HttpRequestOutput,
  type HttpRequestToolOptions,
} from './http-request.tool';
export { parseRetryAfter } from './retry-after';
