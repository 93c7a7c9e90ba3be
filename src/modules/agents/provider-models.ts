/**
 * The models runs call, through the AI SDK (model-client.ts), built from their provider's record:
 * its base URL and its sealed key, opened here.
 */
import type { LanguageModel } from 'ai';
import type { SecretBox } from '../../crypto/secret-box.js';
import { PROVIDER_KEY_PURPOSE } from './agents-catalog.js';
import type { AgentRecord, ModelProviderRecord } from './agents-repository.js';
import { providerFor } from './model-client.js';

export interface ProviderModels {
  /** The agent's model, its provider read now (not_found for a provider that is gone). */
  modelOf(agent: Pick<AgentRecord, 'providerId' | 'model'>): Promise<LanguageModel>;
}

export interface ProviderModelsDeps {
  /** The provider's record: not_found when there is none (agents-catalog.ts). */
  getProvider(id: string): Promise<ModelProviderRecord>;
  secretBox: SecretBox;
}

/**
 * @example
 * const models = createProviderModels({ getProvider: catalog.getProvider, secretBox })
 * const model = await models.modelOf({ providerId: 'ollama', model: 'llama3.2' })
 */
export function createProviderModels(deps: ProviderModelsDeps): ProviderModels {
  const { getProvider, secretBox } = deps;
  /**
   * The opened providers, by id, for the version read (its base URL and sealed key): the key is
   * opened, the AI SDK provider built, and each of its models built (a chat model compiles its
   * response schemas when constructed) once per version rather than per run. The record is read on
   * every run, so a changed or deleted provider takes effect on the next one.
   */
  const opened = new Map<string, { version: string; provider: (name: string) => LanguageModel; models: Map<string, LanguageModel> }>();
  async function modelOf(agent: Pick<AgentRecord, 'providerId' | 'model'>): Promise<LanguageModel> {
    const record = await getProvider(agent.providerId);
    // A new seal of a key has a new nonce: any key change is a new version.
    const version = `${record.baseUrl}\n${record.apiKeySealed ?? ''}`;
    let entry = opened.get(record.id);
    if (entry === undefined || entry.version !== version) {
      const apiKey = record.apiKeySealed === null ? null : secretBox.open(record.apiKeySealed, PROVIDER_KEY_PURPOSE);
      entry = { version, provider: providerFor({ id: record.id, baseUrl: record.baseUrl, apiKey }), models: new Map() };
      opened.set(record.id, entry);
    }
    let model = entry.models.get(agent.model);
    if (model === undefined) {
      model = entry.provider(agent.model);
      // Only the provider's listed models are run, so this map stays as small as its list.
      if (record.models.includes(agent.model)) entry.models.set(agent.model, model);
    }
    return model;
  }
  return { modelOf };
}
