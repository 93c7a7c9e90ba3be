/**
 * The agents module's rules: providers (keys sealed at rest, never returned), agents, and runs:
 * who may run what (agent limits, disabled agents), what a run may spend (runs per minute and
 * model tokens per day, per user and per agent, shared through Redis), what goes to the model
 * (instructions with user fields, memories, the thread's history), and the record of every run.
 */
import { asSchema, generateText, stepCountIs, streamText, tool, type LanguageModel, type ModelMessage, type StreamTextResult, type ToolSet } from 'ai';
import { z } from 'zod';
import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AgentsConfig } from '../../config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { createId } from '../../crypto/random-id.js';
import { Conflict, NotFound, PolicyDenied, RateLimited, ValidationFailed, type ThreadgateError } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import { allowsAgent } from '../../auth/policy.js';
import type { ThreadsService } from '../threads/threads-service.js';
import type { AgentMemory } from './agent-memory.js';
import type { AgentPatch, AgentRecord, AgentRunRecord, AgentsRepository, ModelProviderRecord, RunOutcome, RunQuery, RunRoute } from './agents-repository.js';
import { branchOf, fillInstructions, storedContent, toModelMessages, type ChatTurn } from './conversation.js';
import { modelError, providerFor, runAbort, type RunAbort } from './model-client.js';
import { estimateInputTokens, estimateOutputTokens, reservationOf } from './token-budget.js';

/**
 * Makes a limiter of `points` per `durationSeconds` per key: the server hands its rate limiters'
 * store (http/middleware/rate-limit.ts: in memory, or Redis with an in-process fallback). A type of
 * its own here, so that the module does not import the HTTP layer (test/import-cycles.test.ts).
 */
export interface LimiterStore {
  create(keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract;
}

/** `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds), as the other limits send them. */
function rateLimitHeaders(limit: number, result: Pick<RateLimiterRes, 'remainingPoints' | 'msBeforeNext'>): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, result.remainingPoints)),
    'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
  };
}

/** The purpose a provider's API key is sealed for (crypto/secret-box.ts). */
export const PROVIDER_KEY_PURPOSE = 'model-provider-key';

/** How many memories go into a run's context at most. */
export const MEMORIES_PER_RUN = 5;

/** Model steps a run may take at most (a tool call and the answer after it are two). */
export const MAX_STEPS = 3;

/** How many stored messages a run reads from its thread at most. */
export const HISTORY_LIMIT = 100;

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

/** A run admitted by the limits, ready to call the model. */
export interface AdmittedRun {
  agent: AgentRecord;
  principal: Principal;
  route: RunRoute;
  threadId: string | null;
  /** RateLimit-* of the caller's runs per minute, for the response. */
  headers: Record<string, string>;
  abort: RunAbort;
  startedAt: number;
}

/** Model tokens a call counted, as the provider reported them. */
interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface RunResultText {
  text: string;
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
}

export interface AgentsService {
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
  /** An enabled agent the principal may see (agent limits): 404 for a disabled or unknown one. */
  visibleAgent(principal: Principal, id: string): Promise<AgentRecord>;
  /** The enabled agents the principal may run. */
  visibleAgents(principal: Principal | undefined): Promise<AgentRecord[]>;

  /** Newest first; `beforeId`: the runs older than that one (an unknown id: from the newest). */
  listRuns(query: Omit<RunQuery, 'projectId' | 'before'> & { beforeId?: string }): Promise<AgentRunRecord[]>;

  /**
   * Checks that `principal` may run the agent now (enabled, agent limits, runs per minute and
   * tokens per day of the user and of the agent) and counts the run. Throws not_found, forbidden
   * or rate_limited.
   */
  admit(principal: Principal, agentId: string, route: RunRoute, threadId: string | null, clientSignal: AbortSignal): Promise<AdmittedRun>;
  /**
   * The same for a run of the title model (THREADGATE_TITLE_MODEL) on the caller's thread: the
   * caller's limits, and the title assistant's (`system/thread_title`) as the agent's. Recorded
   * with route `title`. Throws rate_limited.
   */
  admitTitle(principal: Principal, threadId: string, clientSignal: AbortSignal): Promise<AdmittedRun>;
  /** The thread's current branch (404 outside the caller's workspace). */
  threadHistory(principal: Principal, threadId: string): Promise<ChatTurn[]>;
  /**
   * What the model gets: instructions (user fields filled, memories) and the conversation. Reserves
   * the most the run can spend from the daily token quotas (token-budget.ts): rate_limited when it
   * does not fit in what is left of the user's or the agent's day.
   */
  modelInput(run: AdmittedRun, turns: readonly ChatTurn[]): Promise<ModelInput>;
  /** Runs to the end and answers the text (model_unavailable / model_timeout on failure). */
  generate(run: AdmittedRun, input: ModelInput): Promise<RunResultText>;
  /**
   * Starts a streamed run and waits for the model's first output, so that a provider that is
   * down or slow is answered as a JSON error before anything is sent. `onEnd` runs once, when
   * the run ends however it ends, after the run is recorded. Reserves the run's tokens first
   * when modelInput did not (a title run).
   */
  stream(run: AdmittedRun, input: ModelInput, onEnd?: (end: RunEnd) => Promise<void>): Promise<StreamedRun>;
  /** Stores the user's message and an assistant message holding a run lease (agents' own routes). */
  openThreadTurn(run: AdmittedRun, userText: string): Promise<{ assistantMessageId: string; leaseId: string }>;
  /** Writes the reply into the leased message and ends the lease (`done`, else `error`). */
  closeThreadTurn(run: AdmittedRun, turn: { assistantMessageId: string; leaseId: string }, end: RunEnd): Promise<void>;
}

/** What one run sends the model: the system prompt and the conversation. */
export interface ModelInput {
  system: string;
  messages: ModelMessage[];
}

/** The id title runs are recorded and limited under, as an agent's would be. */
export const TITLE_AGENT_ID = 'system/thread_title';

/** The title model's answer at most, in tokens (a title of a few words). */
export const TITLE_MAX_OUTPUT_TOKENS = 32;

export interface StreamedRun {
  result: StreamTextResult<ToolSet, never>;
  /**
   * Call once the reply stream has ended: settles when the run is recorded and `onEnd` has run.
   * A response holds its last byte until then, so a client that reads the end of the stream finds
   * the thread written.
   */
  settle(): Promise<void>;
}

export interface RunEnd {
  outcome: RunOutcome;
  text: string;
  error?: ThreadgateError;
}

/** What runs read and write of their threads: the threads module's (threads-service.ts). */
export type AgentThreads = Pick<ThreadsService, 'getThread' | 'listMessages' | 'appendMessage' | 'updateMessage' | 'endRun'>;

export interface AgentsServiceDeps {
  repo: AgentsRepository;
  threads: AgentThreads;
  secretBox: SecretBox;
  config: { projectId: string; agents: AgentsConfig };
  limiters: LimiterStore;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock: () => number;
  memory?: AgentMemory;
}

function limitError(limiter: RateLimiterAbstract, rejection: RateLimiterRes, what: string): RateLimited {
  const error = new RateLimited(rejection.msBeforeNext / 1000);
  Object.assign(error.headers, rateLimitHeaders(limiter.points, rejection));
  (error as { message: string }).message = `${what} Retry later.`;
  return error;
}

function keyHint(apiKey: string | null | undefined): string | null {
  return apiKey === null || apiKey === undefined || apiKey === '' ? null : apiKey.slice(-4);
}

/**
 * @example
 * const service = createAgentsService({ repo, threads, secretBox, config, limiters, logger, clock: Date.now })
 */
export function createAgentsService(deps: AgentsServiceDeps): AgentsService {
  const { repo, threads, secretBox, config, logger, clock } = deps;
  const projectId = config.projectId;
  const limits = config.agents;
  const userRuns = deps.limiters.create('agent-user-runs', limits.userRunsPerMinute, 60);
  const agentRuns = deps.limiters.create('agent-runs', limits.agentRunsPerMinute, 60);
  const userTokens = deps.limiters.create('agent-user-tokens', limits.userTokensPerDay, 86_400);
  const agentTokens = deps.limiters.create('agent-tokens', limits.agentTokensPerDay, 86_400);
  let warnedNoMemory = false;
  /** The title model, limited and recorded as an agent of its own (TITLE_AGENT_ID). */
  const titleAgent: AgentRecord | null = limits.titleModel === null ? null : Object.freeze({
    projectId, id: TITLE_AGENT_ID, name: 'Thread titles', description: '', instructions: '',
    providerId: limits.titleModel.providerId, model: limits.titleModel.model,
    temperature: null, maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS, usesMemory: false, enabled: true, card: {}, createdAt: 0, updatedAt: 0,
  });

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

  /**
   * The opened providers, by id, for the version read (its base URL and sealed key): the key is
   * opened, the AI SDK provider built, and each of its models built (a chat model compiles its
   * response schemas when constructed) once per version rather than per run. The record is read on
   * every run, so a changed or deleted provider takes effect on the next one.
   */
  const opened = new Map<string, { version: string; provider: (name: string) => LanguageModel; models: Map<string, LanguageModel> }>();
  async function modelOf(agent: Pick<AgentRecord, 'providerId' | 'model'>): Promise<LanguageModel> {
    const record = await provider(agent.providerId);
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

  /** The model tokens a run has reserved from the daily quotas, until it ends. */
  interface Reservation {
    tokens: number;
    /** Its input's estimate: what a run that ends without a usage report is charged for it. */
    inputTokens: number;
    /** When the user's and the agent's quota windows the reservation was taken from end (ms). */
    userUntil: number;
    agentUntil: number;
  }
  const reservations = new WeakMap<AdmittedRun, Reservation>();
  /** The run's model, read (provider record, opened key) while the rest of the run is prepared. */
  const models = new WeakMap<AdmittedRun, Promise<LanguageModel>>();

  const userKeyOf = (principal: Principal) => `${projectId}:${principal.userId}`;
  const agentKeyOf = (agentId: string) => `${projectId}:${agentId}`;

  /** The value of a settled promise, or its rejection thrown (a refused count as rate_limited). */
  function valueOf<T>(settled: PromiseSettledResult<T>, limiter?: RateLimiterAbstract, what?: string): T {
    if (settled.status === 'fulfilled') return settled.value;
    if (settled.reason instanceof RateLimiterRes && limiter !== undefined) throw limitError(limiter, settled.reason, what ?? 'Over a limit.');
    throw settled.reason;
  }

  /** Over a daily token quota already: refused before the model is called. */
  function checkTokens(limiter: RateLimiterAbstract, used: RateLimiterRes | null, what: string): void {
    if (used !== null && used.consumedPoints >= limiter.points) throw limitError(limiter, used, what);
  }

  /**
   * The limits of a run of `agent` (a promise: the agent's read overlaps the counts): the daily
   * quotas not spent, a run per minute of the user and of the agent counted, the thread the
   * caller's. The reads and counts go out at once, then are judged in that order; a refused run
   * gives back the minutes' counts it took.
   */
  async function admitAs(agent: Promise<AgentRecord>, agentId: string, principal: Principal, route: RunRoute, threadId: string | null, clientSignal: AbortSignal): Promise<AdmittedRun> {
    const userKey = userKeyOf(principal);
    const agentKey = agentKeyOf(agentId);
    const [found, userUsed, agentUsed, mine, theirs, thread] = await Promise.allSettled([
      agent,
      userTokens.get(userKey),
      agentTokens.get(agentKey),
      userRuns.consume(userKey),
      agentRuns.consume(agentKey),
      threadId === null ? Promise.resolve(null) : threads.getThread(projectId, principal.workspaceId, threadId),
    ]);
    try {
      const record = valueOf(found);
      checkTokens(userTokens, valueOf(userUsed), 'This user has spent today\'s model tokens.');
      checkTokens(agentTokens, valueOf(agentUsed), 'This agent has spent today\'s model tokens.');
      const counted = valueOf(mine, userRuns, 'Too many runs by this user in a minute.');
      valueOf(theirs, agentRuns, 'Too many runs of this agent in a minute.');
      if (valueOf(thread) === undefined) throw new NotFound({ message: 'No such thread.' });
      const run: AdmittedRun = {
        agent: record,
        principal,
        route,
        threadId,
        headers: rateLimitHeaders(userRuns.points, counted),
        abort: runAbort(clientSignal, limits.runTimeoutMs),
        startedAt: clock(),
      };
      // The provider's read starts now and is awaited by the model call (a failure there too).
      const model = modelOf(record);
      model.catch(() => undefined);
      models.set(run, model);
      return run;
    } catch (error) {
      await Promise.all([
        mine.status === 'fulfilled' ? userRuns.reward(userKey, 1) : undefined,
        theirs.status === 'fulfilled' ? agentRuns.reward(agentKey, 1) : undefined,
      ]);
      throw error;
    }
  }

  /** The definitions of a run's tools as the provider gets them, for the input's estimate. */
  const toolDefinitions = (tools: ToolSet | undefined) =>
    tools === undefined ? undefined : Object.entries(tools).map(([name, t]) => ({ name, description: t.description, parameters: asSchema(t.inputSchema).jsonSchema }));

  /**
   * Takes the most the run can spend (token-budget.ts) from the user's and the agent's daily
   * quotas before the model is called: refused (rate_limited, and the run per minute given back)
   * when it does not fit in what is left. The run's end gives back what it did not spend.
   */
  async function reserve(run: AdmittedRun, input: ModelInput): Promise<void> {
    if (reservations.has(run)) return;
    const { tools } = toolsOf(run);
    const inputTokens = estimateInputTokens({ ...input, tools: toolDefinitions(tools) });
    const tokens = reservationOf(inputTokens, run.agent.maxOutputTokens ?? limits.maxOutputTokens, tools === undefined ? 1 : MAX_STEPS);
    const userKey = userKeyOf(run.principal);
    const agentKey = agentKeyOf(run.agent.id);
    const [user, agent] = await Promise.allSettled([userTokens.consume(userKey, tokens), agentTokens.consume(agentKey, tokens)]);
    if (user.status === 'fulfilled' && agent.status === 'fulfilled') {
      const now = clock();
      reservations.set(run, { tokens, inputTokens, userUntil: now + user.value.msBeforeNext, agentUntil: now + agent.value.msBeforeNext });
      return;
    }
    // A refused consume has counted its points too (a failed one has not): what was counted is
    // given back, and so is the run per minute.
    const counted = (settled: PromiseSettledResult<RateLimiterRes>) => settled.status === 'fulfilled' || settled.reason instanceof RateLimiterRes;
    await Promise.all([
      counted(user) ? userTokens.reward(userKey, tokens) : undefined,
      counted(agent) ? agentTokens.reward(agentKey, tokens) : undefined,
      userRuns.reward(userKey, 1),
      agentRuns.reward(agentKey, 1),
    ]);
    valueOf(user, userTokens, `This run may spend up to ${tokens} model tokens: more than this user has left today.`);
    valueOf(agent, agentTokens, `This run may spend up to ${tokens} model tokens: more than this agent has left today.`);
  }

  /**
   * What a run spent: the provider's count; without one (cancelled, timed out, cut off), the
   * input's estimate and one token per byte produced, at most the reservation; nothing when the
   * provider refused the call before any output.
   */
  function spentBy(run: AdmittedRun, outcome: RunOutcome, usage: Usage | null, produced: string): number {
    if (usage !== null) return usage.inputTokens + usage.outputTokens;
    if (outcome === 'error' && produced === '') return 0;
    const reservation = reservations.get(run);
    const bound = (reservation?.inputTokens ?? 0) + estimateOutputTokens(produced);
    return reservation === undefined ? bound : Math.min(reservation.tokens, bound);
  }

  /** Replaces the run's reservation by what it spent (in a later quota window: the whole spend counts there). */
  async function charge(run: AdmittedRun, spent: number): Promise<void> {
    const reservation = reservations.get(run);
    reservations.delete(run);
    const now = clock();
    const adjust = async (limiter: RateLimiterAbstract, key: string, until: number) => {
      const delta = reservation === undefined || now >= until ? spent : spent - reservation.tokens;
      if (delta > 0) await limiter.penalty(key, delta);
      else if (delta < 0) await limiter.reward(key, -delta);
    };
    await Promise.all([
      adjust(userTokens, userKeyOf(run.principal), reservation?.userUntil ?? 0),
      adjust(agentTokens, agentKeyOf(run.agent.id), reservation?.agentUntil ?? 0),
    ]);
  }

  async function record(run: AdmittedRun, outcome: RunOutcome, usage: Usage | null, firstTokenAt: number | null, produced: string, error?: ThreadgateError): Promise<void> {
    const { principal, agent } = run;
    try {
      await charge(run, spentBy(run, outcome, usage, produced));
      await repo.insertRun({
        id: createId('run_'),
        projectId,
        agentId: agent.id,
        userId: principal.userId,
        workspaceId: principal.workspaceId,
        threadId: run.threadId,
        route: run.route,
        providerId: agent.providerId,
        model: agent.model,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        latencyMs: Math.max(0, clock() - run.startedAt),
        firstTokenMs: firstTokenAt === null ? null : Math.max(0, firstTokenAt - run.startedAt),
        outcome,
        errorCode: error?.code ?? null,
        createdAt: run.startedAt,
      });
    } catch (failure) {
      logger.error({ err: failure, agentId: agent.id }, 'agent run could not be recorded');
    }
  }

  /** The run's model call could not even be built (its provider is gone): recorded, reservation given back. */
  async function failedToStart(run: AdmittedRun, failure: unknown): Promise<never> {
    const error = modelError(failure, run.abort.timedOut());
    await record(run, 'error', null, null, '', error);
    throw error;
  }

  /**
   * An agent that uses memory may keep a new memory of the caller (the `remember` tool), always
   * the caller's own (the memory adapter writes as the principal). No memory module: no tool.
   */
  const toolsOf = (run: AdmittedRun): { tools?: ToolSet; stopWhen?: ReturnType<typeof stepCountIs> } => {
    const memory = deps.memory;
    if (!run.agent.usesMemory || memory === undefined) return {};
    return {
      tools: {
        remember: tool({
          description: 'Remember a fact about the user for later conversations (their preferences, their situation). One short sentence.',
          inputSchema: z.object({ fact: z.string().min(1).max(2000) }),
          execute: async ({ fact }) => {
            await memory.save(run.principal, run.agent.id, fact);
            return 'remembered';
          },
        }),
      },
      stopWhen: stepCountIs(MAX_STEPS),
    };
  };

  /** What a model call of the run is given, the same for a whole answer and a stream. */
  const callOptionsOf = async (run: AdmittedRun, input: ModelInput) => ({
    model: await (models.get(run) ?? modelOf(run.agent)),
    system: input.system,
    messages: input.messages,
    ...(run.agent.temperature !== null ? { temperature: run.agent.temperature } : {}),
    // Always bounded: the reservation counts on it (token-budget.ts).
    maxOutputTokens: run.agent.maxOutputTokens ?? limits.maxOutputTokens,
    abortSignal: run.abort.signal,
    maxRetries: 0,
    ...toolsOf(run),
  });

  const outcomeOf = (run: AdmittedRun, error: ThreadgateError | undefined): RunOutcome =>
    error === undefined ? 'done' : run.abort.timedOut() ? 'timeout' : run.abort.signal.aborted ? 'cancelled' : 'error';

  const service: AgentsService = {
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
      return service.getAgent(input.id);
    },
    async updateAgent(id, patch) {
      const current = await service.getAgent(id);
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
    async visibleAgent(principal, id) {
      const agent = await repo.getAgent(projectId, id);
      if (agent === undefined || !agent.enabled) throw new NotFound({ message: `No agent "${id}".` });
      if (!allowsAgent(principal, id)) throw new PolicyDenied({ message: 'This credential is not allowed to use this agent.' });
      return agent;
    },
    async visibleAgents(principal) {
      const agents = (await repo.listAgents(projectId)).filter((agent) => agent.enabled);
      return principal === undefined ? agents : agents.filter((agent) => allowsAgent(principal, agent.id));
    },

    async listRuns({ beforeId, ...query }) {
      const anchor = beforeId === undefined ? undefined : await repo.getRun(projectId, beforeId);
      return repo.listRuns({ ...query, projectId, ...(anchor !== undefined ? { before: { createdAt: anchor.createdAt, id: anchor.id } } : {}) });
    },

    admit: (principal, agentId, route, threadId, clientSignal) =>
      admitAs(service.visibleAgent(principal, agentId), agentId, principal, route, threadId, clientSignal),

    async admitTitle(principal, threadId, clientSignal) {
      if (titleAgent === null) throw new TypeError('admitTitle: no title model is configured (THREADGATE_TITLE_MODEL)');
      return admitAs(Promise.resolve(titleAgent), titleAgent.id, principal, 'title', threadId, clientSignal);
    },

    async threadHistory(principal, threadId) {
      if ((await threads.getThread(projectId, principal.workspaceId, threadId)) === undefined) throw new NotFound({ message: 'No such thread.' });
      return branchOf(await threads.listMessages({ projectId, threadId, limit: HISTORY_LIMIT }));
    },

    async modelInput(run, turns) {
      let system = fillInstructions(run.agent.instructions, run.principal);
      if (run.agent.usesMemory) {
        const query = [...turns].reverse().find((turn) => turn.role === 'user')?.text ?? '';
        if (deps.memory === undefined) {
          if (!warnedNoMemory) logger.warn({ agentId: run.agent.id }, 'agent uses memory, but no memory module is wired: it runs without memories');
          warnedNoMemory = true;
        } else if (query !== '') {
          const memories = await deps.memory.search(run.principal, run.agent.id, query, MEMORIES_PER_RUN);
          if (memories.length > 0) system += `\n\nWhat you remember about this user:\n${memories.map((m) => `- ${m}`).join('\n')}`;
        }
      }
      const input = { system, messages: toModelMessages(turns) };
      await reserve(run, input);
      return input;
    },

    async generate(run, input) {
      const { agent } = run;
      await reserve(run, input);
      const options = await callOptionsOf(run, input).catch((failure: unknown) => failedToStart(run, failure));
      try {
        const result = await generateText(options);
        const usage = { inputTokens: result.totalUsage.inputTokens ?? 0, outputTokens: result.totalUsage.outputTokens ?? 0 };
        await record(run, 'done', usage, null, result.text);
        return { text: result.text, usage, finishReason: result.finishReason };
      } catch (failure) {
        const error = modelError(failure, run.abort.timedOut());
        // Not the error object: the AI SDK's carries the request body (the user's messages).
        logger.warn({ agentId: agent.id, code: error.code, detail: error.detail }, 'agent run failed');
        await record(run, outcomeOf(run, error), null, null, '', error);
        throw error;
      }
    },

    async stream(run, input, onEnd) {
      const { agent } = run;
      let firstTokenAt: number | null = null;
      let text = '';
      /** Everything the model wrote (text and tool calls): what a run without a usage report is charged. */
      let produced = '';
      let ending: Promise<void> | undefined;
      const end = (outcome: RunOutcome, usage: Usage | null, error?: ThreadgateError): Promise<void> =>
        (ending ??= (async () => {
          await record(run, outcome, usage, firstTokenAt, produced, error);
          if (onEnd !== undefined) {
            await onEnd({ outcome, text, ...(error !== undefined ? { error } : {}) }).catch((failure) => logger.error({ err: failure, agentId: agent.id }, 'ending an agent run failed'));
          }
        })());
      await reserve(run, input);
      const options = await callOptionsOf(run, input).catch((failure: unknown) => failedToStart(run, failure));
      const result = streamText({
        ...options,
        onChunk({ chunk }) {
          if (chunk.type === 'text-delta') {
            firstTokenAt ??= clock();
            text += chunk.text;
            produced += chunk.text;
          } else if (chunk.type === 'tool-call') {
            produced += JSON.stringify(chunk.input ?? null);
          }
        },
        async onFinish({ totalUsage }) {
          await end('done', { inputTokens: totalUsage.inputTokens ?? 0, outputTokens: totalUsage.outputTokens ?? 0 });
        },
        async onError({ error: failure }) {
          const error = modelError(failure, run.abort.timedOut());
          // Not the error object: the AI SDK's carries the request body (the user's messages).
          logger.warn({ agentId: agent.id, code: error.code, detail: error.detail }, 'agent run failed');
          await end(outcomeOf(run, error), null, error);
        },
        async onAbort() {
          const error = modelError(new Error('aborted'), run.abort.timedOut());
          await end(run.abort.timedOut() ? 'timeout' : 'cancelled', null, error);
        },
      });
      // The first output decides between a JSON error and a stream. A branch of the result's
      // stream is read for it; the streams the route sends are later branches, which still hold
      // every part (the AI SDK tees its stream per reader).
      const probe = result.fullStream.getReader();
      try {
        for (;;) {
          const next = await probe.read();
          if (next.done === true) break;
          const part = next.value;
          if (part.type === 'error') throw modelError(part.error, run.abort.timedOut());
          if (part.type === 'abort') throw modelError(new Error('aborted'), run.abort.timedOut());
          if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call' || part.type === 'finish') break;
        }
      } finally {
        void probe.cancel().catch(() => undefined);
      }
      // Called once the reply stream has ended (its last part read): the callbacks above have run
      // by then, and this waits for them. A stream that ended without any (none known) still
      // ends the run, as an error.
      const settle = () => ending ?? end('error', null, modelError(new Error('the model stream ended without a finish'), run.abort.timedOut()));
      return { result: result as StreamTextResult<ToolSet, never>, settle };
    },

    async openThreadTurn(run, userText) {
      const { principal, threadId } = run;
      const newest = (await threads.listMessages({ projectId, threadId: threadId!, limit: 1 }))[0];
      const user = await threads.appendMessage({
        projectId, workspaceId: principal.workspaceId, threadId: threadId!, parentId: newest?.id ?? null,
        format: 'aui/v0', content: storedContent('user', userText), externalId: null,
      });
      if (!user.ok) throw new NotFound({ message: 'No such thread.' });
      const reply = await threads.appendMessage({
        projectId, workspaceId: principal.workspaceId, threadId: threadId!, parentId: user.message.id,
        format: 'aui/v0', content: storedContent('assistant', ''), externalId: null, openRun: true,
      });
      if (!reply.ok || reply.message.run === undefined) throw new NotFound({ message: 'No such thread.' });
      return { assistantMessageId: reply.message.id, leaseId: reply.message.run.leaseId };
    },

    async closeThreadTurn(run, turn, end) {
      const threadId = run.threadId!;
      const done = end.outcome === 'done';
      await threads.updateMessage(projectId, threadId, turn.assistantMessageId, storedContent('assistant', end.text, done ? 'complete' : 'incomplete'), turn.leaseId);
      await threads.endRun(projectId, threadId, turn.leaseId, done ? 'done' : end.outcome === 'cancelled' ? 'cancelled' : 'error');
    },
  };
  return service;
}
