/**
 * What the agents module needs from outside it, as ports the composition root (server.ts) fills:
 * the threads its runs read and write, and the store its quotas count in. (What an agent that uses
 * memory needs from the memory module is agent-memory.ts.)
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ThreadsService } from '../threads/threads-service.js';

/**
 * Makes a limiter of `points` per `durationSeconds` per key: the server hands its rate limiters'
 * store (http/middleware/rate-limit.ts: in memory, or Redis with an in-process fallback). A type of
 * its own here, so that the module does not import the HTTP layer (test/import-cycles.test.ts).
 */
export interface LimiterStore {
  create(keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract;
}

/** What runs read and write of their threads: the threads module's (threads-service.ts). */
export type AgentThreads = Pick<ThreadsService, 'getThread' | 'listMessages' | 'appendMessage' | 'updateMessage' | 'endRun'>;
