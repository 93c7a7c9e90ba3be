/**
 * The memory module's service as an agent's memory (agent-memory.ts), for the composition root
 * (server.ts): searches and saves run as the caller's principal, so the memory module's own rules
 * apply (the caller's project, workspace and user only; the credential's agent limits).
 */
import type { MemoryService } from '../memory/memory-service.js';
import type { AgentMemory } from './agent-memory.js';

/**
 * @example
 * createAgentsModule({ ..., memory: agentMemoryOf(memory.service) })
 */
export function agentMemoryOf(service: MemoryService): AgentMemory {
  return {
    async search(principal, _agentId, query, limit) {
      // Every memory of the caller, the agent's own and the general ones: the best few for the query.
      const { hits } = await service.search(principal, { query, limit, filter: {} });
      return hits.map((hit) => hit.memory.text);
    },
    async save(principal, agentId, text) {
      await service.create(principal, [{ text, agentId }], () => 'fact');
    },
  };
}
