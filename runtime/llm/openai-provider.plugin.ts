import { definePlugin, ExtensionPoints, type WeftPlugin } from '../../core/index';
import type { WeftConfig } from '../config/weft-config';
import { OpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai-compatible-provider';

/** Plugin id of {@link createOpenAiProviderPlugin}. */
export const OPENAI_PROVIDER_PLUGIN_ID = 'weft.llm-openai';

/**
 * A plugin contributing an {@link OpenAiCompatibleProvider} (name `openai` unless `name` says
 * otherwise) to `ExtensionPoints.AgentProviders`, built from `OPENAI_BASE_URL` / `OPENAI_API_KEY`.
 * The composition root adds it to the kernel's plugins; tests pass their own base URL.
 */
export function createOpenAiProviderPlugin(
  config: Pick<WeftConfig, 'openaiBaseUrl' | 'openaiApiKey'>,
  options: Omit<OpenAiCompatibleProviderOptions, 'baseUrl' | 'apiKey'> = {},
): WeftPlugin {
  // Built eagerly so a bad base URL fails at startup, not at the first agent node.
  const provider = new OpenAiCompatibleProvider({ ...options, baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey });
  return definePlugin({
    id: OPENAI_PROVIDER_PLUGIN_ID,
    version: '1.0.0',
    register(reg) {
      reg.contribute(ExtensionPoints.AgentProviders, provider);
    },
  });
}
