/** One chat message in OpenAI-compatible form. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatToolSpec {
  name: string;
  description?: string;
  parameters: object;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  responseFormat?: 'text' | 'json';
  tools?: ChatToolSpec[];
  /** When given, the provider streams and calls it with each text delta. */
  onToken?: (text: string) => void;
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatResponse {
  text: string;
  toolCalls: ChatToolCall[];
  usage: ChatUsage;
  finishReason?: string;
}

/** An LLM provider (OpenAI-compatible in runtime; more as plugins). */
export interface AgentProvider {
  readonly name: string;
  chat(request: ChatRequest): Promise<ChatResponse>;
}
