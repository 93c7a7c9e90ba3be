/**
 * The agents module's rules, as one service that the routes, the CLI and the title generator call.
 * It is made of three parts:
 * - the catalogue (agents-catalog.ts): providers, their keys sealed at rest and never returned, and
 *   agents;
 * - run admission (run-admission.ts): who may run what (agent limits, disabled agents) and what a
 *   run may spend (runs per minute and model tokens per day, per user and per agent, shared through
 *   Redis);
 * - running (agent-runner.ts): what goes to the model (instructions with user fields, memories, the
 *   thread's history), the call, and the record of every run.
 */
import type { Logger } from 'pino';
import type { AgentsConfig } from '../../config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { AgentMemory } from './agent-memory.js';
import { createAgentRunner, type AgentRunner } from './agent-runner.js';
import { createAgentsCatalog, type AgentsCatalog } from './agents-catalog.js';
import type { AgentThreads, LimiterStore } from './agents-ports.js';
import type { AgentsRepository } from './agents-repository.js';
import { createProviderModels } from './provider-models.js';
import { createRunAdmission, type RunAdmission } from './run-admission.js';

/** The three parts' methods; of the admission's, those the callers use (the rest is the runner's). */
export interface AgentsService extends AgentsCatalog, Pick<RunAdmission, 'visibleAgent' | 'visibleAgents' | 'admit' | 'admitTitle'>, AgentRunner {}

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

/**
 * @example
 * const service = createAgentsService({ repo, threads, secretBox, config, limiters, logger, clock: Date.now })
 */
export function createAgentsService(deps: AgentsServiceDeps): AgentsService {
  const { repo, threads, secretBox, config, limiters, logger, clock } = deps;
  const catalog = createAgentsCatalog({ repo, secretBox, projectId: config.projectId, logger, clock });
  const models = createProviderModels({ getProvider: catalog.getProvider, secretBox });
  const admission = createRunAdmission({ repo, threads, config, limiters, models, clock });
  const runner = createAgentRunner({ repo, threads, admission, config, logger, clock, memory: deps.memory });
  const { visibleAgent, visibleAgents, admit, admitTitle } = admission;
  return { ...catalog, visibleAgent, visibleAgents, admit, admitTitle, ...runner };
}
