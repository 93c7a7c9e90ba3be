/**
 * What an agent that uses memory needs from the memory module (src/modules/memory, branch
 * `memory`): the caller's own relevant memories, and a way to keep a new one. The agents module
 * depends on this small interface only; server.ts hands it an adapter over the memory module's
 * service once both are in the same build (`deps.agentMemory`). Without one, an agent marked
 * `uses_memory` runs without memories, and says so in the log once per process.
 *
 * The adapter must search as the principal (its project, workspace and user, and the agent's
 * scope): memory injection never carries another user's memory.
 */
import type { Principal } from '../../auth/principal.js';

export interface AgentMemory {
  /** The principal's own memories relevant to `query`, most relevant first, as plain text. */
  search(principal: Principal, agentId: string, query: string, limit: number): Promise<string[]>;
  /** Keeps `text` as a memory of the principal for this agent. */
  save(principal: Principal, agentId: string, text: string): Promise<void>;
}
