/**
 * The memory module's rules. A caller reaches only its own user's memories in its own project and
 * workspace; a credential limited to some agents reaches those agents' memories and the user's
 * memories of no agent, and may neither write nor filter on another agent (403). Validation that
 * zod cannot express (metadata size and shape, agent limits, expiry in the future) is here. A
 * thread named by a memory or a filter must be one the caller may access, as the threads module
 * decides (memory-ports.ts): otherwise 404 `not_found`, as the threads routes answer, and nothing
 * is written, embedded or read.
 *
 * Writes never wait on a provider that is down: a memory is embedded before it is written when the
 * embeddings endpoint answers, and otherwise written at once (keyword-searchable) and left queued
 * for the backfill.
 */
import type { Logger } from 'pino';
import { PolicyDenied, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import type { Json } from '../../store/store.js';
import { cosine, type Embedder } from './embeddings.js';
import { decodeCursor, type MemoryRepository } from './memory-repository.js';
import type { Memory, MemoryFilter, MemoryPage, MemoryScope, MetadataValue } from './memory-types.js';
import { searchTokens } from './search-tokens.js';
import type { MemoryBackfill } from './backfill.js';
import type { MemoryThreads } from './memory-ports.js';

/** Limits, documented in docs/memory.md. */
export const MEMORY_LIMITS = Object.freeze({
  /** Characters (UTF-16 code units) of one memory's text. */
  textChars: 16_384,
  /** Bytes of one memory's metadata as JSON. */
  metadataBytes: 16_384,
  /** Nesting depth of metadata. */
  metadataDepth: 16,
  /** Memories in one batch create. */
  batch: 100,
  /** Memories per list page. */
  pageSize: 100,
  /** Hits per search. */
  searchResults: 100,
  /** Metadata keys in one filter. */
  filterKeys: 16,
});

/** Reciprocal rank fusion's constant (Cormack et al. 2009): a hit at rank r adds 1 / (k + r). */
export const RRF_K = 60;

export type SearchMode = 'keyword' | 'semantic' | 'hybrid';

export interface SearchHit {
  memory: Memory;
  /** Higher is better; comparable within one response only. */
  score: number;
  keywordScore?: number;
  semanticScore?: number;
}

export interface MemoryInput {
  text: string;
  agentId?: string | null;
  threadId?: string | null;
  metadata?: unknown;
  /** Milliseconds since the epoch. */
  expiresAt?: number | null;
}

export interface MemoryUpdateInput {
  text?: string;
  /** null: the memory belongs to no thread any more. */
  threadId?: string | null;
  metadata?: unknown;
  expiresAt?: number | null;
}

export interface MemoryService {
  readonly semanticAvailable: boolean;
  create(principal: Principal, inputs: readonly MemoryInput[], field: (index: number) => string): Promise<Memory[]>;
  get(principal: Principal, id: string): Promise<Memory | undefined>;
  update(principal: Principal, id: string, input: MemoryUpdateInput): Promise<Memory | undefined>;
  remove(principal: Principal, id: string): Promise<boolean>;
  list(principal: Principal, filter: MemoryFilter, page: { limit: number; cursor?: string }): Promise<MemoryPage>;
  removeMany(principal: Principal, filter: MemoryFilter): Promise<number>;
  search(principal: Principal, request: { query: string; mode?: SearchMode; limit: number; filter: MemoryFilter }): Promise<{ mode: SearchMode; hits: SearchHit[] }>;
  /** Admin: the user's memories that are not expired, in every workspace of the project. */
  countForUser(projectId: string, userId: string): Promise<number>;
  listForUser(projectId: string, userId: string, page: { limit: number; cursor?: string }): Promise<MemoryPage>;
  /** Admin, and a user's erase: deletes every memory of the user in the project (expired ones too) with its vector. */
  eraseUser(projectId: string, userId: string): Promise<number>;
}

export interface MemoryServiceDeps {
  repo: MemoryRepository;
  embedder: Embedder | null;
  backfill?: Pick<MemoryBackfill, 'wake'>;
  /** The threads module, which says whether the caller may name a thread (memory-ports.ts). */
  threads: MemoryThreads;
  logger: Pick<Logger, 'warn'>;
  clock: () => number;
  /** The newest this many of a user's vectors are compared in a semantic search (THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES). */
  semanticMaxCandidates: number;
}

function scopeOf(principal: Principal): MemoryScope {
  return { projectId: principal.projectId, workspaceId: principal.workspaceId, userId: principal.userId, agents: principal.agents };
}

function checkAgent(principal: Principal, agentId: string | null | undefined): void {
  if (agentId === null || agentId === undefined || principal.agents === 'all') return;
  if (!principal.agents.includes(agentId)) {
    throw new PolicyDenied({ message: 'This credential is not allowed to use this agent\'s memories.' });
  }
}

/** Metadata: a JSON object or null, at most `metadataBytes` as JSON, `metadataDepth` deep, no NUL. */
export function checkMetadata(value: unknown, field: string): { [key: string]: Json } | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationFailed(field, 'must be a JSON object or null');
  const visit = (node: unknown, depth: number): void => {
    if (depth > MEMORY_LIMITS.metadataDepth) throw new ValidationFailed(field, `is nested deeper than ${MEMORY_LIMITS.metadataDepth} levels`);
    if (typeof node === 'string') {
      if (node.includes('\u0000')) throw new ValidationFailed(field, 'must not contain the NUL character (U+0000)');
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        if (key.includes('\u0000')) throw new ValidationFailed(field, 'must not contain the NUL character (U+0000)');
        visit(item, depth + 1);
      }
    }
  };
  visit(value, 1);
  if (Buffer.byteLength(JSON.stringify(value)) > MEMORY_LIMITS.metadataBytes) {
    throw new ValidationFailed(field, `must be at most ${MEMORY_LIMITS.metadataBytes} bytes as JSON`);
  }
  return value as { [key: string]: Json };
}

/** A metadata filter: top-level keys of letters, digits, `_` and `-`, each with a scalar value. */
export function checkMetadataFilter(value: unknown, field: string): Record<string, MetadataValue> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValidationFailed(field, 'must be a JSON object of key → value');
  const entries = Object.entries(value);
  if (entries.length > MEMORY_LIMITS.filterKeys) throw new ValidationFailed(field, `must name at most ${MEMORY_LIMITS.filterKeys} keys`);
  for (const [key, item] of entries) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) throw new ValidationFailed(field, `key "${key.slice(0, 64)}" must be 1 to 64 letters, digits, "_" or "-"`);
    const scalar = item === null || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)) || (typeof item === 'string' && item.length <= 1000 && !item.includes('\u0000'));
    if (!scalar) throw new ValidationFailed(`${field}.${key}`, 'must be a string (up to 1000 characters, no NUL), a number, a boolean or null');
  }
  return value as Record<string, MetadataValue>;
}

/** Ranks of each list fused: score = Σ 1 / (RRF_K + rank), rank from 1. */
export function reciprocalRankFusion(lists: ReadonlyArray<ReadonlyArray<{ memory: Memory }>>): Array<{ memory: Memory; score: number }> {
  const fused = new Map<string, { memory: Memory; score: number }>();
  for (const list of lists) {
    list.forEach((hit, index) => {
      const entry = fused.get(hit.memory.id) ?? { memory: hit.memory, score: 0 };
      entry.score += 1 / (RRF_K + index + 1);
      fused.set(hit.memory.id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? 1 : -1));
}

export function createMemoryService(deps: MemoryServiceDeps): MemoryService {
  const { repo, embedder, logger, clock, threads } = deps;

  /** Each distinct thread named must be the caller's (the threads module's 404 otherwise). */
  async function checkThreads(principal: Principal, threadIds: ReadonlyArray<string | null | undefined>): Promise<void> {
    for (const threadId of new Set(threadIds)) {
      if (threadId !== null && threadId !== undefined) await threads.requireThread(principal, threadId);
    }
  }

  /** Vectors for `texts`, or undefined when there is no embedder or it failed (then the backfill does it). */
  async function tryEmbed(texts: string[]): Promise<Float32Array[] | undefined> {
    if (embedder === null) return undefined;
    try {
      return await embedder.embed(texts);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error), count: texts.length }, 'memory embeddings: the provider failed; stored without a vector, queued for the backfill');
      deps.backfill?.wake();
      return undefined;
    }
  }

  async function checkFilter(principal: Principal, filter: MemoryFilter): Promise<void> {
    checkAgent(principal, filter.agentId);
    await checkThreads(principal, [filter.threadId]);
  }

  function cursorOf(cursor: string | undefined) {
    if (cursor === undefined) return undefined;
    const decoded = decodeCursor(cursor);
    if (decoded === undefined) throw new ValidationFailed('cursor', 'is not a cursor from a previous page');
    return decoded;
  }

  function checkExpiry(expiresAt: number | null | undefined, field: string, now: number): void {
    if (expiresAt !== null && expiresAt !== undefined && expiresAt <= now) throw new ValidationFailed(field, 'must be in the future');
  }

  async function semanticHits(principal: Principal, query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[] | undefined> {
    if (embedder === null) return undefined;
    let vector: Float32Array;
    try {
      [vector] = (await embedder.embed([query])) as [Float32Array];
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'memory embeddings: the provider failed for a search');
      return undefined;
    }
    const candidates = await repo.vectorCandidates(scopeOf(principal), filter, embedder.model, clock(), deps.semanticMaxCandidates);
    return candidates
      .filter((candidate) => candidate.vector.length === vector.length)
      .map((candidate) => ({ memory: candidate.memory, score: cosine(vector, candidate.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((hit) => ({ memory: hit.memory, score: hit.score, semanticScore: hit.score }));
  }

  return {
    semanticAvailable: embedder !== null,

    async create(principal, inputs, field) {
      const now = clock();
      const items = inputs.map((input, index) => {
        checkAgent(principal, input.agentId);
        checkExpiry(input.expiresAt, `${field(index)}expires_at`, now);
        return {
          text: input.text,
          agentId: input.agentId ?? null,
          threadId: input.threadId ?? null,
          metadata: checkMetadata(input.metadata, `${field(index)}metadata`),
          expiresAt: input.expiresAt ?? null,
        };
      });
      await checkThreads(principal, items.map((item) => item.threadId));
      const vectors = await tryEmbed(items.map((item) => item.text));
      return repo.insertMany(
        scopeOf(principal),
        items.map((item, index) => (vectors === undefined ? item : { ...item, embedding: { vector: vectors[index]!, model: embedder!.model } })),
        now,
      );
    },

    get: (principal, id) => repo.get(scopeOf(principal), id, clock()),

    async update(principal, id, input) {
      const now = clock();
      checkExpiry(input.expiresAt, 'expires_at', now);
      const metadata = input.metadata === undefined ? undefined : checkMetadata(input.metadata, 'metadata');
      // Nothing is embedded for a memory that is not the caller's.
      if ((await repo.get(scopeOf(principal), id, now)) === undefined) return undefined;
      await checkThreads(principal, [input.threadId]);
      const vectors = input.text === undefined ? undefined : await tryEmbed([input.text]);
      return repo.update(scopeOf(principal), id, {
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(input.threadId !== undefined ? { threadId: input.threadId } : {}),
        ...(vectors !== undefined ? { embedding: { vector: vectors[0]!, model: embedder!.model } } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
        ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
      }, clock());
    },

    remove: (principal, id) => repo.delete(scopeOf(principal), id, clock()),

    async list(principal, filter, page) {
      await checkFilter(principal, filter);
      const cursor = cursorOf(page.cursor);
      return repo.list(scopeOf(principal), filter, { limit: page.limit, ...(cursor !== undefined ? { cursor } : {}) }, clock());
    },

    async removeMany(principal, filter) {
      await checkFilter(principal, filter);
      return repo.deleteMany(scopeOf(principal), filter, clock());
    },

    async search(principal, { query, mode, limit, filter }) {
      await checkFilter(principal, filter);
      if ((mode === 'semantic' || mode === 'hybrid') && embedder === null) {
        throw new ThreadgateError('feature_disabled', { message: `The ${mode} search mode needs an embeddings endpoint (THREADGATE_EMBEDDINGS_URL); this server has none.` });
      }
      const wanted: SearchMode = mode ?? (embedder !== null ? 'hybrid' : 'keyword');
      const keyword = async (count: number): Promise<SearchHit[]> =>
        (await repo.keywordSearch(scopeOf(principal), searchTokens(query), filter, count, clock())).map((hit) => ({ ...hit, keywordScore: hit.score }));
      if (wanted === 'keyword') return { mode: 'keyword', hits: await keyword(limit) };
      // Each list is deeper than the page, so fusion can lift a hit that is middling in both.
      const depth = Math.max(limit * 3, 50);
      const semantic = await semanticHits(principal, query, filter, wanted === 'semantic' ? limit : depth);
      if (semantic === undefined) {
        if (wanted === 'semantic') throw new ThreadgateError('embeddings_unavailable');
        // Hybrid without the provider: the keyword half still answers, and says so in `mode`.
        return { mode: 'keyword', hits: await keyword(limit) };
      }
      if (wanted === 'semantic') return { mode: 'semantic', hits: semantic };
      const keywordHits = await keyword(depth);
      const keywordById = new Map(keywordHits.map((hit) => [hit.memory.id, hit.score]));
      const semanticById = new Map(semantic.map((hit) => [hit.memory.id, hit.score]));
      const hits = reciprocalRankFusion([keywordHits, semantic])
        .slice(0, limit)
        .map(({ memory, score }) => ({
          memory,
          score,
          ...(keywordById.has(memory.id) ? { keywordScore: keywordById.get(memory.id)! } : {}),
          ...(semanticById.has(memory.id) ? { semanticScore: semanticById.get(memory.id)! } : {}),
        }));
      return { mode: 'hybrid', hits };
    },

    countForUser: (projectId, userId) => repo.countForUser(projectId, userId, clock()),

    async listForUser(projectId, userId, page) {
      const cursor = cursorOf(page.cursor);
      return repo.listForUser(projectId, userId, { limit: page.limit, ...(cursor !== undefined ? { cursor } : {}) }, clock());
    },

    eraseUser: (projectId, userId) => repo.eraseUser(projectId, userId),
  };
}
