/**
 * The memory module's records and the scope every query is bound to. Times are milliseconds since
 * the epoch; metadata is a JSON object or null.
 */
import type { Json } from '../../store/store.js';

/** Whose memories a query may reach: one user in one workspace of one project, within agent limits. */
export interface MemoryScope {
  projectId: string;
  workspaceId: string;
  userId: string;
  /** `'all'`, or the agents reachable; a limited scope also reaches the user's memories of no agent. */
  agents: 'all' | readonly string[];
}

export interface Memory {
  id: string;
  projectId: string;
  workspaceId: string;
  userId: string;
  agentId: string | null;
  threadId: string | null;
  text: string;
  metadata: { [key: string]: Json } | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  /** Whether a vector from the embedding model `embeddingModel` is stored with it. */
  embeddingModel: string | null;
}

export interface NewMemory {
  agentId: string | null;
  threadId: string | null;
  text: string;
  metadata: { [key: string]: Json } | null;
  expiresAt: number | null;
  /** Set when the text was embedded before the write. */
  embedding?: { vector: Float32Array; model: string };
}

export interface MemoryPatch {
  text?: string;
  /** null: no thread. */
  threadId?: string | null;
  metadata?: { [key: string]: Json } | null;
  expiresAt?: number | null;
  embedding?: { vector: Float32Array; model: string };
}

/** Scalar values a metadata filter compares a top-level key with. */
export type MetadataValue = string | number | boolean | null;

/** Narrows a query; every field optional, all given ones must hold. */
export interface MemoryFilter {
  agentId?: string;
  threadId?: string;
  /** Top-level metadata keys and the value each must equal. */
  metadata?: Readonly<Record<string, MetadataValue>>;
  /** created_at >= this. */
  createdAfter?: number;
  /** created_at < this. */
  createdBefore?: number;
}

export interface MemoryPage {
  memories: Memory[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface KeywordHit {
  memory: Memory;
  /** Higher is better: -bm25() on SQLite, ts_rank_cd() on PostgreSQL. */
  score: number;
}
