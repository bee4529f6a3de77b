/** `agent` node config as written in a workflow (before `system` and `prompt` are rendered). */
export interface AgentNodeConfig {
  /** Agent provider name (default `openai`). */
  provider?: string;
  model: string;
  /** System message (templated). */
  system?: string;
  /** User message (templated); a non-string rendered value is sent as JSON. */
  prompt: string;
  responseFormat?: 'text' | 'json';
  temperature?: number;
  maxTokens?: number;
  /** Registry names of the tools the model may call. */
  tools?: string[];
  /** Most model calls in one attempt (tool-calling rounds included); default 5. */
  maxSteps?: number;
  /** Stream tokens as `token` execution events (default true). */
  stream?: boolean;
}

export const AGENT_DEFAULTS = {
  provider: 'openai',
  responseFormat: 'text',
  maxSteps: 5,
  stream: true,
} as const;

/** Upper bound on `maxSteps`: each step is a paid model call. */
export const MAX_AGENT_STEPS = 50;

/** JSON Schema of {@link AgentNodeConfig}. */
export const agentConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'prompt'],
  properties: {
    provider: { type: 'string', minLength: 1, maxLength: 100 },
    model: { type: 'string', minLength: 1, maxLength: 200 },
    system: { type: 'string' },
    prompt: { type: 'string', minLength: 1 },
    responseFormat: { enum: ['text', 'json'] },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    maxTokens: { type: 'integer', minimum: 1 },
    tools: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, maxItems: 128 },
    maxSteps: { type: 'integer', minimum: 1, maximum: MAX_AGENT_STEPS },
    stream: { type: 'boolean' },
  },
} as const;
