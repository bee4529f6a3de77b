import { definePlugin, ExtensionPoints, Tokens, type WeftPlugin } from '../../core';
import { AgentManager, AgentManagerToken } from './agent-manager';
import { agentNodeType } from './agent.node-type';

/**
 * The `weft.agent` plugin: the `agent` node type and its {@link AgentManager}, which gathers
 * every `ExtensionPoints.AgentProviders` contribution and uses `Tokens.ToolRegistry` (from
 * `weft.tool`) for tool calling. Providers come from other plugins (runtime's OpenAI-compatible
 * one, or third-party ones).
 */
export const agentPlugin: WeftPlugin = definePlugin({
  id: 'weft.agent',
  version: '1.0.0',
  dependsOn: ['weft.tool'],
  register(reg) {
    // Lazy: runs after every plugin registered, so all providers have been contributed.
    reg.provide(AgentManagerToken, (r) => new AgentManager(r.getAll(ExtensionPoints.AgentProviders), r.get(Tokens.ToolRegistry)));
    reg.addNodeType(agentNodeType);
  },
});
