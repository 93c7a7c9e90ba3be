/**
 * The agents module's catalogue, as the admin API, the CLI and the providers file manage it: model
 * providers (API keys sealed at rest, never returned: a hint of their last four characters at most)
 * and agents, each on a model its provider lists. Every change is logged (`audit` field).
 */
import type { Logger } from 'pino';
import type { SecretBox } from '../../crypto/secret-box.js';
import { Conflict, NotFound, ValidationFailed } from '../../errors.js';
import type { AgentPatch, AgentRecord, AgentsRepository, ModelProviderRecord } from './agents-repository.js';

/** The purpose a provider's API key is sealed for (crypto/secret-box.ts). */
export const PROVIDER_KEY_PURPOSE = 'model-provider-key';

export interface ProviderInput {
  id: string;
  name?: string;
  baseUrl: string;
  apiKey?: string | null;
  models: string[];
}

export interface AgentInput {
  id: string;
  name: string;
  description?: string;
  instructions?: string;
  providerId: string;
  model: string;
  temperature?: number | null;
  maxOutputTokens?: number | null;
  usesMemory?: boolean;
  enabled?: boolean;
  card?: Record<string, unknown>;
}

/** The catalogue's part of the agents service (agents-service.ts). */
export interface AgentsCatalog {
  createProvider(input: ProviderInput): Promise<ModelProviderRecord>;
  updateProvider(id: string, patch: Partial<Omit<ProviderInput, 'id'>>): Promise<ModelProviderRecord>;
  listProviders(): Promise<ModelProviderRecord[]>;
  getProvider(id: string): Promise<ModelProviderRecord>;
  deleteProvider(id: string): Promise<void>;

  createAgent(input: AgentInput): Promise<AgentRecord>;
  updateAgent(id: string, patch: AgentPatch): Promise<AgentRecord>;
  listAgents(): Promise<AgentRecord[]>;
  getAgent(id: string): Promise<AgentRecord>;
  deleteAgent(id: string): Promise<void>;
}

export interface AgentsCatalogDeps {
  repo: AgentsRepository;
  secretBox: SecretBox;
  projectId: string;
  logger: Pick<Logger, 'info'>;
  clock: () => number;
}

function keyHint(apiKey: string | null | undefined): string | null {
  return apiKey === null || apiKey === undefined || apiKey === '' ? null : apiKey.slice(-4);
}

/**
 * @example
 * const catalog = createAgentsCatalog({ repo, secretBox, projectId, logger, clock: Date.now })
 * await catalog.createProvider({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', models: ['llama3.2'] })
 */
export function createAgentsCatalog(deps: AgentsCatalogDeps): AgentsCatalog {
  const { repo, secretBox, projectId, logger, clock } = deps;

  async function provider(id: string): Promise<ModelProviderRecord> {
    const record = await repo.getProvider(projectId, id);
    if (record === undefined) throw new NotFound({ message: `No model provider "${id}".` });
    return record;
  }

  async function checkModel(providerId: string, model: string, field: string): Promise<void> {
    const record = await repo.getProvider(projectId, providerId);
    if (record === undefined) throw new ValidationFailed('provider_id', `no model provider "${providerId}"`);
    if (!record.models.includes(model)) throw new ValidationFailed(field, `provider "${providerId}" serves ${record.models.map((m) => `"${m}"`).join(', ')}`);
  }

  const catalog: AgentsCatalog = {
    async createProvider(input) {
      const now = clock();
      const created = await repo.insertProvider({
        projectId,
        id: input.id,
        name: input.name ?? input.id,
        baseUrl: input.baseUrl,
        apiKeySealed: input.apiKey === undefined || input.apiKey === null || input.apiKey === '' ? null : secretBox.seal(input.apiKey, PROVIDER_KEY_PURPOSE),
        apiKeyHint: keyHint(input.apiKey),
        models: [...new Set(input.models)],
        createdAt: now,
        updatedAt: now,
      });
      if (!created) throw new Conflict({ message: `A model provider "${input.id}" exists already.` });
      logger.info({ audit: 'model_provider.create', id: input.id }, 'model provider created');
      return provider(input.id);
    },
    async updateProvider(id, patch) {
      await provider(id);
      const updated = await repo.updateProvider(projectId, id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.baseUrl !== undefined ? { baseUrl: patch.baseUrl } : {}),
        ...(patch.models !== undefined ? { models: [...new Set(patch.models)] } : {}),
        ...(patch.apiKey !== undefined
          ? { apiKeySealed: patch.apiKey === null || patch.apiKey === '' ? null : secretBox.seal(patch.apiKey, PROVIDER_KEY_PURPOSE), apiKeyHint: keyHint(patch.apiKey) }
          : {}),
      }, clock());
      logger.info({ audit: 'model_provider.update', id }, 'model provider updated');
      return updated!;
    },
    listProviders: () => repo.listProviders(projectId),
    getProvider: provider,
    async deleteProvider(id) {
      if ((await repo.countAgentsOfProvider(projectId, id)) > 0) throw new Conflict({ message: `Agents run on model provider "${id}": move or delete them first.` });
      if (!(await repo.deleteProvider(projectId, id))) throw new NotFound({ message: `No model provider "${id}".` });
      logger.info({ audit: 'model_provider.delete', id }, 'model provider deleted');
    },

    async createAgent(input) {
      await checkModel(input.providerId, input.model, 'model');
      const now = clock();
      const created = await repo.insertAgent({
        projectId,
        id: input.id,
        name: input.name,
        description: input.description ?? '',
        instructions: input.instructions ?? '',
        providerId: input.providerId,
        model: input.model,
        temperature: input.temperature ?? null,
        maxOutputTokens: input.maxOutputTokens ?? null,
        usesMemory: input.usesMemory ?? false,
        enabled: input.enabled ?? true,
        card: input.card ?? {},
        createdAt: now,
        updatedAt: now,
      });
      if (!created) throw new Conflict({ message: `An agent "${input.id}" exists already.` });
      logger.info({ audit: 'agent.create', id: input.id }, 'agent created');
      return catalog.getAgent(input.id);
    },
    async updateAgent(id, patch) {
      const current = await catalog.getAgent(id);
      if (patch.providerId !== undefined || patch.model !== undefined) {
        await checkModel(patch.providerId ?? current.providerId, patch.model ?? current.model, 'model');
      }
      const updated = await repo.updateAgent(projectId, id, patch, clock());
      logger.info({ audit: 'agent.update', id }, 'agent updated');
      return updated!;
    },
    listAgents: () => repo.listAgents(projectId),
    async getAgent(id) {
      const agent = await repo.getAgent(projectId, id);
      if (agent === undefined) throw new NotFound({ message: `No agent "${id}".` });
      return agent;
    },
    async deleteAgent(id) {
      if (!(await repo.deleteAgent(projectId, id))) throw new NotFound({ message: `No agent "${id}".` });
      logger.info({ audit: 'agent.delete', id }, 'agent deleted');
    },
  };
  return catalog;
}
