/**
 * The agents module's routes.
 *
 * Admin (admin key): model providers (`/admin/v1/providers`), agents (`/admin/v1/agents`) and the
 * run records (`/admin/v1/agent-runs`). A provider's API key is write-only: answers carry its last
 * four characters at most. Providers and agents are declared through http/admin-crud.ts; their
 * changes are published (the audit's model_provider.* and agent.* events) here, as the CLI publishes
 * its own, not by the service, which also loads the providers file at startup unaudited.
 *
 * Management (public unless THREADGATE_DEFAULT_PRIVATE): `GET /v1/agents` and `/v1/agents/{id}`,
 * the enabled agents' public cards, never instructions, models or provider settings.
 *
 * Execution (a user credential with `agents:run`; agent limits apply): `POST /v1/agents/{id}/text`
 * answers JSON; `POST` or `GET /v1/agents/{id}/stream` answers Server-Sent Events in the AI SDK's
 * UI message stream protocol (`GET` takes `?input=` and, for EventSource, `?token=`).
 * `POST /v1/runs/stream` (modules/runs/run-stream-routes.ts) runs agents for assistant-ui.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NoSuchToolError } from 'ai';
import type { Context } from 'hono';
import { NotFound, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { adminCrudRoutes, declareAdminCrud } from '../../http/admin-crud.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, JsonObject, storedText } from '../../http/openapi.js';
import { sendJson, standardHeadersOf } from '../../http/respond.js';
import { adminActor } from '../../http/admin-actor.js';
import type { AgentPatch, AgentRecord, AgentRunRecord, ModelProviderRecord } from './agents-repository.js';
import type { AgentsModule } from './index.js';
import type { DomainEvents, EventType } from '../../platform/events/bus.js';
import type { AgentsService } from './agents-service.js';
import type { ProviderInput } from './agents-catalog.js';
import type { ModelInput, RunEnd } from './agent-runner.js';
import type { AdmittedRun } from './run-admission.js';
import type { ChatTurn } from './conversation.js';
import { toTurn } from './conversation.js';
import { settledBy, uiMessageStreamResponse } from './reply-stream.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An id an operator chooses: letters, digits, `.`, `_`, `-`, and `/` inside (`support/billing`). */
export const OperatorId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be letters, digits, ".", "_", "-" or "/", starting with a letter or digit')
  .refine((id) => !id.startsWith('system/'), 'the "system/" prefix is reserved');
const ModelName = storedText(256, 1);
export const BaseUrl = z.string().max(2048).url().regex(/^https?:\/\//, 'must be an http:// or https:// URL');

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

const AgentCardSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), card: JsonObject }).openapi('AgentCard');

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

export function toWireProvider(p: ModelProviderRecord) {
  return { id: p.id, name: p.name, base_url: p.baseUrl, models: p.models, api_key: p.apiKeyHint === null ? null : `…${p.apiKeyHint}`, created_at: iso(p.createdAt), updated_at: iso(p.updatedAt) };
}

/** A provider as the audit keeps it: the wire form without even the API key's last characters. */
export function providerSummary(p: ModelProviderRecord) {
  const { api_key: _hint, ...summary } = toWireProvider(p);
  return summary;
}

export function toWireAgent(a: AgentRecord) {
  return {
    id: a.id, name: a.name, description: a.description, instructions: a.instructions, provider_id: a.providerId, model: a.model,
    temperature: a.temperature, max_output_tokens: a.maxOutputTokens, uses_memory: a.usesMemory, enabled: a.enabled, card: a.card,
    created_at: iso(a.createdAt), updated_at: iso(a.updatedAt),
  };
}

/** What anyone may see of an agent. */
export function toAgentCard(a: AgentRecord) {
  return { id: a.id, name: a.name, description: a.description, card: a.card };
}

export function toWireRun(r: AgentRunRecord) {
  return {
    id: r.id, agent_id: r.agentId, user_id: r.userId, workspace_id: r.workspaceId, thread_id: r.threadId, route: r.route,
    provider_id: r.providerId, model: r.model, input_tokens: r.inputTokens, output_tokens: r.outputTokens, latency_ms: r.latencyMs,
    first_token_ms: r.firstTokenMs, outcome: r.outcome, error_code: r.errorCode, created_at: iso(r.createdAt),
  };
}

const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const agentParam = z.object({ agentId: IdParam.openapi({ param: { name: 'agentId', in: 'path' } }) });

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

const listCards = declareRoute({ category: 'management' }, {
  method: 'get', path: '/v1/agents', tags: ['agents'], summary: 'The enabled agents\' public cards',
  responses: { 200: { description: 'The cards', content: { 'application/json': { schema: z.object({ agents: z.array(AgentCardSchema) }) } } }, ...errorResponses(401) },
});
const getCard = declareRoute({ category: 'management' }, {
  method: 'get', path: '/v1/agents/{agentId}', tags: ['agents'], summary: 'An enabled agent\'s public card',
  request: { params: agentParam },
  responses: { 200: { description: 'The card', content: { 'application/json': { schema: AgentCardSchema } } }, ...errorResponses(401, 404) },
});

const RunMessage = z.object({ role: z.enum(['user', 'assistant']), content: storedText(100_000) });
const RunBody = z.object({
  input: storedText(100_000, 1).optional().openapi({ description: 'The user\'s message.' }),
  messages: z.array(RunMessage).max(500).optional().openapi({ description: 'The conversation so far, oldest first (without thread_id).' }),
  thread_id: IdParam.optional().openapi({ description: 'A thread of the caller\'s workspace: its history goes to the model, and the input and the reply are stored in it.' }),
});
const RunAnswer = z.object({
  agent_id: z.string(),
  thread_id: z.string().nullable(),
  message_id: z.string().nullable().openapi({ description: 'The stored reply, with thread_id.' }),
  text: z.string(),
  finish_reason: z.string(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
}).openapi('AgentRunAnswer');

const runErrors = errorResponses(400, 401, 403, 404, 413, 429, 502, 504);
const runText = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId' }, {
  method: 'post', path: '/v1/agents/{agentId}/text', tags: ['agents'], summary: 'Run an agent and answer its whole reply',
  request: { params: agentParam, body: json(RunBody) },
  responses: { 200: { description: 'The reply', content: { 'application/json': { schema: RunAnswer } } }, ...runErrors },
});
const streamPost = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId', streaming: true }, {
  method: 'post', path: '/v1/agents/{agentId}/stream', tags: ['agents'], summary: 'Run an agent and stream its reply (Server-Sent Events, AI SDK UI message stream)',
  request: { params: agentParam, body: json(RunBody) },
  responses: { 200: { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: z.string() } } }, ...runErrors },
});
const streamGet = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId', streaming: true }, {
  method: 'get', path: '/v1/agents/{agentId}/stream', tags: ['agents'], summary: 'Run an agent for EventSource: ?input= (and ?token=, ?thread_id=)',
  request: { params: agentParam, query: z.object({ input: storedText(8000, 1), thread_id: IdParam.optional(), token: z.string().max(16_384).optional() }) },
  responses: { 200: { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: z.string() } } }, ...runErrors },
});

function moduleOf(c: Context<AppEnv>): AgentsModule {
  const agents = depsOf(c).agents;
  if (agents === undefined) throw new ThreadgateError('feature_disabled', { message: 'Agents are not configured on this server.' });
  return agents;
}

function service(c: Context<AppEnv>): AgentsService {
  return moduleOf(c).service;
}

/** Publishes an admin change (the audit's model_provider.* and agent.* events), the admin key as its actor. */
function audit<K extends EventType>(c: Context<AppEnv>, kind: K, payload: DomainEvents[K]): void {
  depsOf(c).events.publish(kind, payload, adminActor(c));
}

/** The turns of a run request: the thread's history or the given messages, then the input. */
async function turnsOf(service: AgentsService, run: AdmittedRun, body: z.infer<typeof RunBody>): Promise<ChatTurn[]> {
  const turns = run.threadId !== null ? await service.threadHistory(run.principal, run.threadId) : (body.messages ?? []).flatMap((m) => toTurn(m) ?? []);
  if (body.input !== undefined) turns.push({ role: 'user', text: body.input });
  return turns;
}

/**
 * Stores the run's turn (the user's message, and the reply's message under a run lease) while the
 * model is called: the two commits overlap the model's first output rather than precede it. Only
 * once the run is admitted and its tokens reserved, so a refused run leaves no message; a turn
 * that cannot be stored (the thread is gone) cancels the run.
 */
function openTurnAlongside(service: AgentsService, run: AdmittedRun, userText: string): Promise<{ assistantMessageId: string; leaseId: string }> {
  const opening = service.openThreadTurn(run, userText);
  opening.catch(() => run.abort.cancel());
  return opening;
}

/**
 * Ends the turn of a run that failed before its answer, once it is stored; answers what to throw:
 * the turn's own failure (it cancelled the run), else the run's.
 */
async function closeFailedTurn(service: AgentsService, run: AdmittedRun, opening: Promise<{ assistantMessageId: string; leaseId: string }>, error: unknown): Promise<unknown> {
  let turn: { assistantMessageId: string; leaseId: string };
  try {
    turn = await opening;
  } catch (failure) {
    return failure;
  }
  await service.closeThreadTurn(run, turn, { outcome: run.abort.signal.aborted && !run.abort.timedOut() ? 'cancelled' : 'error', text: '' });
  return error;
}

function checkRunBody(body: z.infer<typeof RunBody>): void {
  if (body.thread_id !== undefined && body.messages !== undefined) throw new ValidationFailed('messages', 'a run on a thread reads its history from the thread: send input only');
  if (body.thread_id !== undefined && body.input === undefined) throw new ValidationFailed('input', 'is required with thread_id');
  if (body.input === undefined && (body.messages ?? []).length === 0) throw new ValidationFailed('input', 'is required (or messages)');
}

/**
 * Streams a run of the agent as the AI SDK UI message stream (Server-Sent Events). Any failure
 * before the model's first output is thrown (a JSON error); after it, the stream ends with an
 * `error` part carrying the stable code.
 */
export async function streamAgentRun(c: Context<AppEnv>, service: AgentsService, run: AdmittedRun, turns: readonly ChatTurn[], onEnd?: (end: RunEnd) => Promise<void>): Promise<Response> {
  return streamModelInput(c, service, run, await service.modelInput(run, turns), onEnd);
}

/**
 * streamAgentRun once the model's input is known (and the run's tokens reserved). `alongside`:
 * work done while the model prepares its first output (storing the turn), awaited before the
 * answer starts; its failure cancels the run and is the answer.
 */
async function streamModelInput(c: Context<AppEnv>, service: AgentsService, run: AdmittedRun, input: ModelInput, onEnd?: (end: RunEnd) => Promise<void>, alongside?: Promise<unknown>): Promise<Response> {
  const { result, settle } = await service.stream(run, input, onEnd);
  if (alongside !== undefined) {
    try {
      await alongside;
    } catch (error) {
      run.abort.cancel();
      await settle();
      throw error;
    }
  }
  // The last byte waits for the run's end (recorded, thread written), however the reply ended.
  const reply = settledBy(result.toUIMessageStream({ onError: (error) => errorText(error, run) }), () =>
    settle().then(() => undefined, (error: unknown) => ({ type: 'error' as const, errorText: errorText(error, run) })),
  (error) => ({ type: 'error', errorText: errorText(error, run) }));
  // `Transfer-Encoding: chunked`, as hono's streamSSE sets it: without it @hono/node-server may hold
  // the first chunk back a timer tick, in case the body is short enough to send with a length.
  return uiMessageStreamResponse(reply, { ...standardHeadersOf(c), ...run.headers, 'Transfer-Encoding': 'chunked' });
}

/** The text of a stream's error part: the stable code and its public message (never the provider's text). */
function errorText(error: unknown, run: AdmittedRun): string {
  if (run.abort.timedOut()) return 'model_timeout: The model did not finish within the run timeout.';
  if (NoSuchToolError.isInstance(error)) return `model_unavailable: The model called a tool this agent does not have (${error.toolName.slice(0, 64)}).`;
  return 'model_unavailable: The model provider failed during the answer.';
}

export function agentRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.route('/', adminCrudRoutes(providers));
  app.route('/', adminCrudRoutes(agents));
  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const service = moduleOf(c).service;
    const runs = await service.listRuns({
      limit: q.limit,
      ...(q.agent_id !== undefined ? { agentId: q.agent_id } : {}),
      ...(q.user_id !== undefined ? { userId: q.user_id } : {}),
      ...(q.before !== undefined ? { beforeId: q.before } : {}),
    });
    return sendJson(c, { runs: runs.map(toWireRun) }, 200);
  });

  app.openapi(listCards, async (c) => sendJson(c, { agents: (await moduleOf(c).service.visibleAgents(c.get('principal'))).map(toAgentCard) }, 200));
  app.openapi(getCard, async (c) => {
    const id = c.req.valid('param').agentId;
    const agent = (await moduleOf(c).service.visibleAgents(c.get('principal'))).find((a) => a.id === id);
    if (agent === undefined) throw new NotFound({ message: `No agent "${id}".` });
    return sendJson(c, toAgentCard(agent), 200);
  });

  app.openapi(runText, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    checkRunBody(body);
    const { service } = moduleOf(c);
    const run = await service.admit(principal, c.req.valid('param').agentId, 'text', body.thread_id ?? null, c.req.raw.signal);
    const turns = await turnsOf(service, run, body);
    const input = await service.modelInput(run, turns);
    if (run.threadId === null) {
      const answer = await service.generate(run, input);
      return sendJson(c, { agent_id: run.agent.id, thread_id: null, message_id: null, text: answer.text, finish_reason: answer.finishReason, usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens } }, 200, run.headers);
    }
    const opening = openTurnAlongside(service, run, body.input!);
    try {
      const answer = await service.generate(run, input);
      const turn = await opening;
      await service.closeThreadTurn(run, turn, { outcome: 'done', text: answer.text });
      return sendJson(c, { agent_id: run.agent.id, thread_id: run.threadId, message_id: turn.assistantMessageId, text: answer.text, finish_reason: answer.finishReason, usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens } }, 200, run.headers);
    } catch (error) {
      throw await closeFailedTurn(service, run, opening, error);
    }
  });

  const stream = async (c: Context<AppEnv>, agentId: string, body: z.infer<typeof RunBody>) => {
    const principal = requirePrincipal(c);
    checkRunBody(body);
    const { service } = moduleOf(c);
    const run = await service.admit(principal, agentId, 'stream', body.thread_id ?? null, c.req.raw.signal);
    const input = await service.modelInput(run, await turnsOf(service, run, body));
    if (run.threadId === null) return streamModelInput(c, service, run, input);
    const opening = openTurnAlongside(service, run, body.input!);
    const closeTurn = async (end: RunEnd) => {
      const turn = await opening.catch(() => undefined);
      if (turn !== undefined) await service.closeThreadTurn(run, turn, end);
    };
    try {
      return await streamModelInput(c, service, run, input, closeTurn, opening);
    } catch (error) {
      // Failed before the stream began: the recorded run's onEnd may not have run yet.
      throw await closeFailedTurn(service, run, opening, error);
    }
  };
  app.openapi(streamPost, (c) => stream(c, c.req.valid('param').agentId, c.req.valid('json')) as never);
  app.openapi(streamGet, (c) => {
    const q = c.req.valid('query');
    return stream(c, c.req.valid('param').agentId, { input: q.input, ...(q.thread_id !== undefined ? { thread_id: q.thread_id } : {}) }) as never;
  });

  return app;
}
