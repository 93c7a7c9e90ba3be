/**
 * The agents module, assembled: repository over the store's database, the service the routes, the
 * CLI and the title generator call, and the title generator itself when the operator named a
 * model for titles (THREADGATE_TITLE_MODEL).
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { kyselyOf } from '../../store/kysely-store.js';
import type { Store } from '../../store/store.js';
import type { TitleGenerator } from '../../titles/title-generator.js';
import type { AgentMemory } from './agent-memory.js';
import type { AgentThreads, LimiterStore } from './agents-ports.js';
import { createAgentsRepository, type AgentsRepository } from './agents-repository.js';
import { createAgentsService, type AgentsService } from './agents-service.js';
import { createModelTitleGenerator } from './model-title-generator.js';

export interface AgentsModule {
  service: AgentsService;
  repo: AgentsRepository;
  /** Titles from the operator's title model, or null when none is named. */
  titleGenerator: TitleGenerator | null;
}

export interface AgentsModuleDeps {
  store: Store;
  /** The threads module's service: runs read and write their threads through it. */
  threads: AgentThreads;
  secretBox: SecretBox;
  config: Pick<ResolvedConfig, 'projectId' | 'agents'>;
  limiters: LimiterStore;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock: () => number;
  /** The memory module's adapter (agent-memory.ts); absent: agents run without memories. */
  memory?: AgentMemory;
}

/**
 * @example
 * const agents = createAgentsModule({ store, threads: threadsModule.service, secretBox, config, limiters, logger, clock: Date.now })
 */
export function createAgentsModule(deps: AgentsModuleDeps): AgentsModule {
  const repo = createAgentsRepository(kyselyOf(deps.store));
  const service = createAgentsService({ ...deps, repo });
  const titleModel = deps.config.agents.titleModel;
  return {
    service,
    repo,
    titleGenerator: titleModel === null ? null : createModelTitleGenerator({ service, ...titleModel, logger: deps.logger }),
  };
}
