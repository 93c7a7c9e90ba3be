/**
 * Run admission: who may run which agent, and how much. A run needs an enabled agent the
 * principal's agent limits allow, and fits in the runs per minute and the model tokens per day of
 * the user and of the agent, counted in the server's rate limiters (shared through Redis) and told
 * in RateLimit-* headers. The title model is admitted as an agent of its own (TITLE_AGENT_ID). A run
 * reserves the most it can spend from the daily quotas before the model is called, and is charged
 * what it spent when it ends (token-budget.ts).
 */
import type { LanguageModel } from 'ai';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AgentsConfig } from '../../config.js';
import { NotFound, PolicyDenied, RateLimited } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import { allowsAgent } from '../../auth/policy.js';
import type { AgentThreads, LimiterStore } from './agents-ports.js';
import type { AgentRecord, AgentsRepository, RunOutcome, RunRoute } from './agents-repository.js';
import { runAbort, type RunAbort } from './model-client.js';
import type { ProviderModels } from './provider-models.js';
import { estimateOutputTokens } from './token-budget.js';
import { rateLimitHeaders } from '../../http/middleware/rate-limit-headers.js';

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
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** The id title runs are recorded and limited under, as an agent's would be. */
export const TITLE_AGENT_ID = 'system/thread_title';

/** The title model's answer at most, in tokens (a title of a few words). */
export const TITLE_MAX_OUTPUT_TOKENS = 32;

/** The admission's part of the agents service (agents-service.ts), and what the runner asks of it (agent-runner.ts). */
export interface RunAdmission {
  /** An enabled agent the principal may see (agent limits): 404 for a disabled or unknown one. */
  visibleAgent(principal: Principal, id: string): Promise<AgentRecord>;
  /** The enabled agents the principal may run. */
  visibleAgents(principal: Principal | undefined): Promise<AgentRecord[]>;

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

  /** The run's model: read since the run was admitted (provider record, opened key), while the rest of the run was prepared. */
  modelOf(run: AdmittedRun): Promise<LanguageModel>;
  /**
   * Takes the most the run can spend (`estimate`: token-budget.ts) from the user's and the agent's
   * daily quotas before the model is called: refused (rate_limited, and the run per minute given
   * back) when it does not fit in what is left. The run's end gives back what it did not spend.
   * Once per run: `estimate` is not called again for a run that has its reservation.
   */
  reserve(run: AdmittedRun, estimate: () => { tokens: number; inputTokens: number }): Promise<void>;
  /** Replaces the run's reservation by what it spent (`usage`, or estimated from `produced`). */
  charge(run: AdmittedRun, outcome: RunOutcome, usage: Usage | null, produced: string): Promise<void>;
}

export interface RunAdmissionDeps {
  repo: AgentsRepository;
  threads: AgentThreads;
  config: { projectId: string; agents: AgentsConfig };
  limiters: LimiterStore;
  models: ProviderModels;
  clock: () => number;
}

function limitError(limiter: RateLimiterAbstract, rejection: RateLimiterRes, what: string): RateLimited {
  const error = new RateLimited(rejection.msBeforeNext / 1000);
  Object.assign(error.headers, rateLimitHeaders(limiter.points, rejection));
  (error as { message: string }).message = `${what} Retry later.`;
  return error;
}

/**
 * @example
 * const admission = createRunAdmission({ repo, threads, config, limiters, models, clock: Date.now })
 * const run = await admission.admit(principal, 'support', 'text', null, c.req.raw.signal)
 */
export function createRunAdmission(deps: RunAdmissionDeps): RunAdmission {
  const { repo, threads, config, clock } = deps;
  const projectId = config.projectId;
  const limits = config.agents;
  const userRuns = deps.limiters.create('agent-user-runs', limits.userRunsPerMinute, 60);
  const agentRuns = deps.limiters.create('agent-runs', limits.agentRunsPerMinute, 60);
  const userTokens = deps.limiters.create('agent-user-tokens', limits.userTokensPerDay, 86_400);
  const agentTokens = deps.limiters.create('agent-tokens', limits.agentTokensPerDay, 86_400);
  /** The title model, limited and recorded as an agent of its own (TITLE_AGENT_ID). */
  const titleAgent: AgentRecord | null = limits.titleModel === null ? null : Object.freeze({
    projectId, id: TITLE_AGENT_ID, name: 'Thread titles', description: '', instructions: '',
    providerId: limits.titleModel.providerId, model: limits.titleModel.model,
    temperature: null, maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS, usesMemory: false, enabled: true, card: {}, createdAt: 0, updatedAt: 0,
  });

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
      const model = deps.models.modelOf(record);
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

  /** See RunAdmission.reserve. */
  async function reserve(run: AdmittedRun, estimate: () => { tokens: number; inputTokens: number }): Promise<void> {
    if (reservations.has(run)) return;
    const { tokens, inputTokens } = estimate();
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

  const admission: RunAdmission = {
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

    admit: (principal, agentId, route, threadId, clientSignal) =>
      admitAs(admission.visibleAgent(principal, agentId), agentId, principal, route, threadId, clientSignal),

    async admitTitle(principal, threadId, clientSignal) {
      if (titleAgent === null) throw new TypeError('admitTitle: no title model is configured (THREADGATE_TITLE_MODEL)');
      return admitAs(Promise.resolve(titleAgent), titleAgent.id, principal, 'title', threadId, clientSignal);
    },

    modelOf: (run) => models.get(run) ?? deps.models.modelOf(run.agent),
    reserve,
    charge: (run, outcome, usage, produced) => charge(run, spentBy(run, outcome, usage, produced)),
  };
  return admission;
}
