/**
 * The agents module's tables (migrations/008-agents.ts), through Kysely: model providers, agents
 * and run records. Nothing else reads them; the service is the only caller.
 */
import type { Kysely } from 'kysely';

export interface ModelProviderRecord {
  projectId: string;
  id: string;
  name: string;
  baseUrl: string;
  /** The API key sealed with the master key, or null (a provider without a key). */
  apiKeySealed: string | null;
  /** The key's last four characters, or null. */
  apiKeyHint: string | null;
  models: string[];
  createdAt: number;
  updatedAt: number;
}

export interface AgentRecord {
  projectId: string;
  id: string;
  name: string;
  description: string;
  instructions: string;
  providerId: string;
  model: string;
  temperature: number | null;
  maxOutputTokens: number | null;
  usesMemory: boolean;
  enabled: boolean;
  /** The public card's extra fields (avatar, suggestions...). */
  card: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type RunRoute = 'text' | 'stream' | 'runs_stream' | 'title';
export type RunOutcome = 'done' | 'error' | 'timeout' | 'cancelled';

export interface AgentRunRecord {
  id: string;
  projectId: string;
  agentId: string;
  userId: string;
  workspaceId: string;
  threadId: string | null;
  route: RunRoute;
  providerId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  firstTokenMs: number | null;
  outcome: RunOutcome;
  errorCode: string | null;
  createdAt: number;
}

export type ProviderPatch = Partial<Pick<ModelProviderRecord, 'name' | 'baseUrl' | 'apiKeySealed' | 'apiKeyHint' | 'models'>>;
export type AgentPatch = Partial<Omit<AgentRecord, 'projectId' | 'id' | 'createdAt' | 'updatedAt'>>;

export interface RunQuery {
  projectId: string;
  agentId?: string;
  userId?: string;
  limit: number;
  /** Runs older than this one (keyset on created_at, id). */
  before?: { createdAt: number; id: string };
}

export interface AgentsRepository {
  insertProvider(record: ModelProviderRecord): Promise<boolean>;
  getProvider(projectId: string, id: string): Promise<ModelProviderRecord | undefined>;
  listProviders(projectId: string): Promise<ModelProviderRecord[]>;
  updateProvider(projectId: string, id: string, patch: ProviderPatch, at: number): Promise<ModelProviderRecord | undefined>;
  deleteProvider(projectId: string, id: string): Promise<boolean>;
  /** How many agents run on this provider (a provider in use cannot be deleted). */
  countAgentsOfProvider(projectId: string, providerId: string): Promise<number>;

  insertAgent(record: AgentRecord): Promise<boolean>;
  getAgent(projectId: string, id: string): Promise<AgentRecord | undefined>;
  listAgents(projectId: string): Promise<AgentRecord[]>;
  updateAgent(projectId: string, id: string, patch: AgentPatch, at: number): Promise<AgentRecord | undefined>;
  deleteAgent(projectId: string, id: string): Promise<boolean>;

  insertRun(record: AgentRunRecord): Promise<void>;
  getRun(projectId: string, id: string): Promise<AgentRunRecord | undefined>;
  listRuns(query: RunQuery): Promise<AgentRunRecord[]>;
}

/** SQLite's and PostgreSQL's unique (primary key) violation. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const flag = (value: boolean) => (value ? 1 : 0);
const readFlag = (value: unknown) => Number(value) === 1;
const num = (value: unknown) => Number(value);
const numOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toProvider(row: any): ModelProviderRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    apiKeySealed: row.api_key_sealed ?? null,
    apiKeyHint: row.api_key_hint ?? null,
    models: JSON.parse(row.models) as string[],
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function toAgent(row: any): AgentRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    providerId: row.provider_id,
    model: row.model,
    temperature: numOrNull(row.temperature),
    maxOutputTokens: numOrNull(row.max_output_tokens),
    usesMemory: readFlag(row.uses_memory),
    enabled: readFlag(row.enabled),
    card: JSON.parse(row.card) as Record<string, unknown>,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function toRun(row: any): AgentRunRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    agentId: row.agent_id,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    threadId: row.thread_id ?? null,
    route: row.route,
    providerId: row.provider_id,
    model: row.model,
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    latencyMs: num(row.latency_ms),
    firstTokenMs: numOrNull(row.first_token_ms),
    outcome: row.outcome,
    errorCode: row.error_code ?? null,
    createdAt: num(row.created_at),
  };
}

function providerColumns(patch: ProviderPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.baseUrl !== undefined) columns.base_url = patch.baseUrl;
  if (patch.apiKeySealed !== undefined) columns.api_key_sealed = patch.apiKeySealed;
  if (patch.apiKeyHint !== undefined) columns.api_key_hint = patch.apiKeyHint;
  if (patch.models !== undefined) columns.models = JSON.stringify(patch.models);
  return columns;
}

function agentColumns(patch: AgentPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.description !== undefined) columns.description = patch.description;
  if (patch.instructions !== undefined) columns.instructions = patch.instructions;
  if (patch.providerId !== undefined) columns.provider_id = patch.providerId;
  if (patch.model !== undefined) columns.model = patch.model;
  if (patch.temperature !== undefined) columns.temperature = patch.temperature;
  if (patch.maxOutputTokens !== undefined) columns.max_output_tokens = patch.maxOutputTokens;
  if (patch.usesMemory !== undefined) columns.uses_memory = flag(patch.usesMemory);
  if (patch.enabled !== undefined) columns.enabled = flag(patch.enabled);
  if (patch.card !== undefined) columns.card = JSON.stringify(patch.card);
  return columns;
}

/**
 * @example
 * const repo = createAgentsRepository(kyselyOf(store))
 */
export function createAgentsRepository(db: Kysely<any>): AgentsRepository {
  const insertUnique = async (run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  };
  return {
    insertProvider: (r) =>
      insertUnique(() =>
        db.insertInto('model_providers').values({
          project_id: r.projectId, id: r.id, name: r.name, base_url: r.baseUrl, api_key_sealed: r.apiKeySealed,
          api_key_hint: r.apiKeyHint, models: JSON.stringify(r.models), created_at: r.createdAt, updated_at: r.updatedAt,
        }).execute()),
    async getProvider(projectId, id) {
      const row = await db.selectFrom('model_providers').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toProvider(row);
    },
    async listProviders(projectId) {
      return (await db.selectFrom('model_providers').selectAll().where('project_id', '=', projectId).orderBy('id').execute()).map(toProvider);
    },
    async updateProvider(projectId, id, patch, at) {
      await db.updateTable('model_providers').set({ ...providerColumns(patch), updated_at: at }).where('project_id', '=', projectId).where('id', '=', id).execute();
      return this.getProvider(projectId, id);
    },
    async deleteProvider(projectId, id) {
      const result = await db.deleteFrom('model_providers').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async countAgentsOfProvider(projectId, providerId) {
      const row = await db.selectFrom('agents').select((eb) => eb.fn.countAll().as('n')).where('project_id', '=', projectId).where('provider_id', '=', providerId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    insertAgent: (r) =>
      insertUnique(() =>
        db.insertInto('agents').values({
          project_id: r.projectId, id: r.id, name: r.name, description: r.description, instructions: r.instructions,
          provider_id: r.providerId, model: r.model, temperature: r.temperature, max_output_tokens: r.maxOutputTokens,
          uses_memory: flag(r.usesMemory), enabled: flag(r.enabled), card: JSON.stringify(r.card),
          created_at: r.createdAt, updated_at: r.updatedAt,
        }).execute()),
    async getAgent(projectId, id) {
      const row = await db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toAgent(row);
    },
    async listAgents(projectId) {
      return (await db.selectFrom('agents').selectAll().where('project_id', '=', projectId).orderBy('id').execute()).map(toAgent);
    },
    async updateAgent(projectId, id, patch, at) {
      await db.updateTable('agents').set({ ...agentColumns(patch), updated_at: at }).where('project_id', '=', projectId).where('id', '=', id).execute();
      return this.getAgent(projectId, id);
    },
    async deleteAgent(projectId, id) {
      const result = await db.deleteFrom('agents').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertRun(r) {
      await db.insertInto('agent_runs').values({
        id: r.id, project_id: r.projectId, agent_id: r.agentId, user_id: r.userId, workspace_id: r.workspaceId,
        thread_id: r.threadId, route: r.route, provider_id: r.providerId, model: r.model, input_tokens: r.inputTokens,
        output_tokens: r.outputTokens, latency_ms: r.latencyMs, first_token_ms: r.firstTokenMs, outcome: r.outcome,
        error_code: r.errorCode, created_at: r.createdAt,
      }).execute();
    },
    async getRun(projectId, id) {
      const row = await db.selectFrom('agent_runs').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRun(row);
    },
    async listRuns(query) {
      let q = db.selectFrom('agent_runs').selectAll().where('project_id', '=', query.projectId);
      if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
      if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
      if (query.before !== undefined) {
        const { createdAt, id } = query.before;
        q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
      }
      return (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()).map(toRun);
    },
  };
}
