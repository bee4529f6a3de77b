/** LLM providers behind core's `AgentProvider` interface. */
export * from './openai-compatible-provider';
export * from './openai-provider.plugin';
export * from './chat-completion-parser';
export * from './retry-after';
