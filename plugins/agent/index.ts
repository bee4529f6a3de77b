/** The `weft.agent` plugin: the `agent` node type and the agent manager. */
import { agentPlugin } from './agent.plugin';

export default agentPlugin;
export { agentPlugin } from './agent.plugin';
export { agentNodeType, type AgentNodeOutput } from './agent.node-type';
export { AgentManager, AgentManagerToken, type AgentRunRequest, type AgentRunResult } from './agent-manager';
export { AgentToolSet, type AgentToolCallRecord } from './agent-tools';
export { parseAgentJson } from './agent-json';
export { agentConfigSchema, AGENT_DEFAULTS, MAX_AGENT_STEPS, type AgentNodeConfig } from './agent-config.schema';
