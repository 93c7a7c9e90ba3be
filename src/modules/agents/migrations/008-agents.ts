/**
 * Agents (issue 14): the operator's model providers, the agents that run on them, and the record
 * of every run.
 *
 * - `model_providers`: an OpenAI-compatible endpoint. Its API key is sealed with the master key
 *   (crypto/secret-box.ts, purpose `model-provider-key`), never stored or returned in clear.
 * - `agents`: what a run sends the model (instructions, model, settings) and the public card.
 * - `agent_runs`: one row per run, whatever its outcome: who, which agent and model, tokens in and
 *   out, latency, outcome. The admin API lists them (`GET /admin/v1/agent-runs`).
 * - `auth_rules.user_fields`: SPEC 3's mapUser per rule, JSON text `{ "<field>": "<claim>" }`,
 *   null for none: the claims copied into the principal's user fields (`{user.<field>}` in
 *   instructions).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('model_providers')
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('base_url', 'text', (col) => col.notNull())
    // Sealed with the master key; null for a provider that takes no key (Ollama on a laptop).
    .addColumn('api_key_sealed', 'text')
    // The last four characters of the key, to tell keys apart in a list; null without a key.
    .addColumn('api_key_hint', 'text')
    // JSON text: the model names the provider serves (an agent must name one of them).
    .addColumn('models', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('model_providers_pk', ['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('instructions', 'text', (col) => col.notNull())
    .addColumn('provider_id', 'text', (col) => col.notNull())
    .addColumn('model', 'text', (col) => col.notNull())
    .addColumn('temperature', 'double precision')
    .addColumn('max_output_tokens', 'integer')
    .addColumn('uses_memory', 'integer', (col) => col.notNull())
    .addColumn('enabled', 'integer', (col) => col.notNull())
    // JSON text: the public card's extra fields (avatar, suggestions...), shown by GET /v1/agents.
    .addColumn('card', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('agent_runs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('agent_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('workspace_id', 'text', (col) => col.notNull())
    .addColumn('thread_id', 'text')
    // text | stream | runs_stream | title
    .addColumn('route', 'text', (col) => col.notNull())
    .addColumn('provider_id', 'text', (col) => col.notNull())
    .addColumn('model', 'text', (col) => col.notNull())
    .addColumn('input_tokens', 'integer', (col) => col.notNull())
    .addColumn('output_tokens', 'integer', (col) => col.notNull())
    .addColumn('latency_ms', 'integer', (col) => col.notNull())
    .addColumn('first_token_ms', 'integer')
    // done | error | timeout | cancelled
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('agent_runs_by_project').on('agent_runs').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('agent_runs_by_agent').on('agent_runs').columns(['project_id', 'agent_id', 'created_at']).execute();
  await db.schema.createIndex('agent_runs_by_user').on('agent_runs').columns(['project_id', 'user_id', 'created_at']).execute();

  await db.schema.alterTable('auth_rules').addColumn('user_fields', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_rules').dropColumn('user_fields').execute();
  await db.schema.dropTable('agent_runs').execute();
  await db.schema.dropTable('agents').execute();
  await db.schema.dropTable('model_providers').execute();
}
