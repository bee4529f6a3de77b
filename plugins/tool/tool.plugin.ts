import { definePlugin, ExtensionPoints, Tokens, type WeftPlugin } from '../../core';
import { AjvToolRegistry } from './tool-registry';
import { toolNodeType } from './tool.node-type';
import { echoTool } from './echo.tool';
import { sleepTool } from './sleep.tool';
import { createHttpRequestTool, type HttpRequestToolOptions } from './http-request.tool';

export interface ToolPluginOptions {
  http?: HttpRequestToolOptions;
}

/**
 * Builds the `weft.tool` plugin: the `tool` node type, the tool registry
 * (`Tokens.ToolRegistry`, built from every `ExtensionPoints.Tools` contribution) and the
 * built-in tools `core.echo`, `core.sleep` and `http.request`.
 *
 * Other plugins add tools with `reg.contribute(ExtensionPoints.Tools, tool)` and
 * `dependsOn: ['weft.tool']`.
 */
export function createToolPlugin(options: ToolPluginOptions = {}): WeftPlugin {
  return definePlugin({
    id: 'weft.tool',
    version: '1.0.0',
    register(reg) {
      // Lazy: the factory runs after every plugin has registered, so all contributions are in.
      reg.provide(Tokens.ToolRegistry, (resolver) => new AjvToolRegistry(resolver.getAll(ExtensionPoints.Tools)));
      reg.contribute(ExtensionPoints.Tools, echoTool);
      reg.contribute(ExtensionPoints.Tools, sleepTool);
      reg.contribute(ExtensionPoints.Tools, createHttpRequestTool(options.http));
      reg.addNodeType(toolNodeType);
    },
  });
}

/** The `weft.tool` plugin with default options. */
export const toolPlugin: WeftPlugin = createToolPlugin();
