/**
 * The agents module's admin routes (admin key): model providers (`/admin/v1/providers`), agents
 * (`/admin/v1/agents`) and the run records (`/admin/v1/agent-runs`). A provider's API key is
 * write-only: answers carry its last four characters at most (agents-wire.ts). Providers and agents
 * are declared through http/admin-crud.ts; their changes are published (the audit's
 * model_provider.* and agent.* events) here, as the CLI publishes its own, not by the service,
 * which also loads the providers file at startup unaudited.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { adminCrudRoutes, declareAdminCrud } from '../../http/admin-crud.js';
import { errorResponses, IdParam, JsonObject, storedText } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';
import { adminActor } from '../../http/admin-actor.js';
import type { AgentPatch } from './agents-repository.js';
import type { DomainEvents, EventType } from '../../platform/events/bus.js';
import type { ProviderInput } from './agents-catalog.js';
import { agentsModuleOf } from './agents-module-of.js';
import type { AgentsService } from './agents-service.js';
import { BaseUrl, OperatorId, providerSummary, toWireAgent, toWireProvider, toWireRun } from './agents-wire.js';

const ModelName = storedText(256, 1);

const ProviderSchema = z.object({
  id: z.string(),
  name: z.string(),
  base_url: z.string(),
  models: z.array(z.string()),
  api_key: z.string().nullable().openapi({ description: 'Never the key: "…" and its last four characters, or null without a key.' }),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi('ModelProvider');

const AgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  instructions: z.string(),
  provider_id: z.string(),
  model: z.string(),
  temperature: z.number().nullable(),
  max_output_tokens: z.number().int().nullable(),
  uses_memory: z.boolean(),
  enabled: z.boolean(),
  card: JsonObject,
  created_at: z.string(),
  updated_at: z.string(),
}).openapi('Agent');

const AgentRunSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  user_id: z.string(),
  workspace_id: z.string(),
  thread_id: z.string().nullable(),
  route: z.enum(['text', 'stream', 'runs_stream', 'title']),
  provider_id: z.string(),
  model: z.string(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  latency_ms: z.number().int(),
  first_token_ms: z.number().int().nullable(),
  outcome: z.enum(['done', 'error', 'timeout', 'cancelled']),
  error_code: z.string().nullable(),
  created_at: z.string(),
}).openapi('AgentRun');


const ProviderFields = {
  name: storedText(200, 1).optional(),
  base_url: BaseUrl,
  api_key: storedText(4096).nullable().optional().openapi({ description: 'Sealed with the master key at rest; never returned.' }),
  models: z.array(ModelName).min(1).max(500),
};

const ProviderPatch = z.object({ name: ProviderFields.name, base_url: BaseUrl.optional(), api_key: ProviderFields.api_key, models: ProviderFields.models.optional() });

/** The fields of a provider's create or update body that are present, as the service takes them. */
function providerFieldsOf(b: z.infer<typeof ProviderPatch>): Partial<Omit<ProviderInput, 'id'>> {
  return {
    ...(b.name !== undefined ? { name: b.name } : {}),
    ...(b.base_url !== undefined ? { baseUrl: b.base_url } : {}),
    ...(b.api_key !== undefined ? { apiKey: b.api_key } : {}),
    ...(b.models !== undefined ? { models: b.models } : {}),
  };
}

const providers = declareAdminCrud({
  path: '/admin/v1/providers',
  idParam: 'providerId',
  idSchema: OperatorId,
  noun: 'model provider',
  listField: 'providers',
  schema: ProviderSchema,
  itemDescription: 'The provider',
  toWire: toWireProvider,
  create: {
    summary: 'Add a model provider (any OpenAI-compatible endpoint)',
    body: z.object({ id: OperatorId, ...ProviderFields }),
    errors: [400, 401, 409, 413],
    async run(c, b) {
      const record = await service(c).createProvider({ ...providerFieldsOf(b), id: b.id, baseUrl: b.base_url, apiKey: b.api_key ?? null, models: b.models });
      audit(c, 'model_provider.created', { provider: providerSummary(record) });
      return { record };
    },
  },
  list: { summary: 'List model providers (never their keys)', description: 'The providers', run: (c) => service(c).listProviders() },
  get: { summary: 'A model provider', run: (c, id) => service(c).getProvider(id) },
  update: {
    summary: 'Change a model provider (api_key: null removes the key)',
    body: ProviderPatch,
    async run(c, id, b) {
      const record = await service(c).updateProvider(id, providerFieldsOf(b));
      audit(c, 'model_provider.updated', { id: record.id, after: providerSummary(record) });
      return record;
    },
  },
  remove: {
    summary: 'Delete a model provider (refused while agents run on it)',
    description: 'Deleted',
    errors: [401, 404, 409],
    async run(c, id) {
      await service(c).deleteProvider(id);
      audit(c, 'model_provider.deleted', { id });
      return true;
    },
  },
});

const AgentFields = {
  name: storedText(200, 1),
  description: storedText(2000).optional(),
  instructions: storedText(100_000).optional().openapi({ description: 'The system prompt. `{user.<field>}` is replaced by the caller\'s mapped user field (`{user.id}`, `{user.workspace}`, and an auth rule\'s user_fields).' }),
  provider_id: OperatorId,
  model: ModelName,
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_output_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
  uses_memory: z.boolean().optional(),
  enabled: z.boolean().optional(),
  card: JsonObject.optional().openapi({ description: 'Public fields shown by GET /v1/agents (avatar, suggestions...).' }),
};

const AgentPatchBody = z.object({ ...AgentFields, name: AgentFields.name.optional(), provider_id: OperatorId.optional(), model: ModelName.optional() });

/** The fields of an agent's create or update body that are present, as the service takes them. */
function agentFieldsOf(fields: z.infer<typeof AgentPatchBody>): AgentPatch {
  return {
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    ...(fields.instructions !== undefined ? { instructions: fields.instructions } : {}),
    ...(fields.provider_id !== undefined ? { providerId: fields.provider_id } : {}),
    ...(fields.model !== undefined ? { model: fields.model } : {}),
    ...(fields.temperature !== undefined ? { temperature: fields.temperature } : {}),
    ...(fields.max_output_tokens !== undefined ? { maxOutputTokens: fields.max_output_tokens } : {}),
    ...(fields.uses_memory !== undefined ? { usesMemory: fields.uses_memory } : {}),
    ...(fields.enabled !== undefined ? { enabled: fields.enabled } : {}),
    ...(fields.card !== undefined ? { card: fields.card } : {}),
  };
}

const agents = declareAdminCrud({
  path: '/admin/v1/agents',
  idParam: 'agentId',
  noun: 'agent',
  listField: 'agents',
  schema: AgentSchema,
  itemDescription: 'The agent',
  toWire: toWireAgent,
  create: {
    summary: 'Create an agent',
    body: z.object({ id: OperatorId, ...AgentFields }),
    errors: [400, 401, 409, 413],
    async run(c, b) {
      const record = await service(c).createAgent({ ...agentFieldsOf(b), id: b.id, name: b.name, providerId: b.provider_id, model: b.model });
      audit(c, 'agent.created', { agent: toWireAgent(record) });
      return { record };
    },
  },
  list: { summary: 'List agents, disabled ones too', description: 'The agents', run: (c) => service(c).listAgents() },
  get: { summary: 'An agent, with its instructions and settings', run: (c, id) => service(c).getAgent(id) },
  update: {
    summary: 'Change an agent (enabled: false disables it: its runs answer 404)',
    body: AgentPatchBody,
    async run(c, id, b) {
      const record = await service(c).updateAgent(id, agentFieldsOf(b));
      audit(c, 'agent.updated', { id: record.id, after: toWireAgent(record) });
      return record;
    },
  },
  remove: {
    summary: 'Delete an agent (its run records stay)',
    description: 'Deleted',
    async run(c, id) {
      await service(c).deleteAgent(id);
      audit(c, 'agent.deleted', { id });
      return true;
    },
  },
});

const listRuns = declareRoute({ category: 'admin' }, {
  method: 'get', path: '/admin/v1/agent-runs', tags: ['admin'], summary: 'Agent runs, newest first: who, which model, tokens, latency, outcome',
  request: {
    query: z.object({
      agent_id: IdParam.optional(),
      user_id: storedText(255, 1).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      before: IdParam.optional().openapi({ description: 'A run id: runs older than it (the last id of the previous page).' }),
    }),
  },
  responses: { 200: { description: 'The runs', content: { 'application/json': { schema: z.object({ runs: z.array(AgentRunSchema) }) } } }, ...errorResponses(400, 401) },
});

function service(c: Context<AppEnv>): AgentsService {
  return agentsModuleOf(c).service;
}

/** Publishes an admin change (the audit's model_provider.* and agent.* events), the admin key as its actor. */
function audit<K extends EventType>(c: Context<AppEnv>, kind: K, payload: DomainEvents[K]): void {
  depsOf(c).events.publish(kind, payload, adminActor(c));
}

/**
 * @example
 * app.route('/', agentAdminRoutes())
 */
export function agentAdminRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.route('/', adminCrudRoutes(providers));
  app.route('/', adminCrudRoutes(agents));
  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const service = agentsModuleOf(c).service;
    const runs = await service.listRuns({
      limit: q.limit,
      ...(q.agent_id !== undefined ? { agentId: q.agent_id } : {}),
      ...(q.user_id !== undefined ? { userId: q.user_id } : {}),
      ...(q.before !== undefined ? { beforeId: q.before } : {}),
    });
    return sendJson(c, { runs: runs.map(toWireRun) }, 200);
  });

  return app;
}
