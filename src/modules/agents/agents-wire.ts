/**
 * Providers, agents and run records as the admin API, the CLI and the audit show them (a provider's
 * API key never: its last four characters at most, and not even those in the audit), an agent's
 * public card, and the ids and URLs an operator gives (admin API, CLI, providers file).
 */
import { z } from '@hono/zod-openapi';
import type { AgentRecord, AgentRunRecord, ModelProviderRecord } from './agents-repository.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An id an operator chooses: letters, digits, `.`, `_`, `-`, and `/` inside (`support/billing`). */
export const OperatorId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be letters, digits, ".", "_", "-" or "/", starting with a letter or digit')
  .refine((id) => !id.startsWith('system/'), 'the "system/" prefix is reserved');
export const BaseUrl = z.string().max(2048).url().regex(/^https?:\/\//, 'must be an http:// or https:// URL');

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
