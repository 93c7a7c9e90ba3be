/**
 * The memory preload's data, defined once so the SQLite file (memories-sqlite.ts), the PostgreSQL
 * database (memories-postgres.ts) and the requests the bench sends all agree: `users` users (1,000
 * for the large set, 10 for the small one) with 1,000 memories each, so 1M or 10k memories in all.
 *
 * Every memory carries a 384-dimension vector from the deterministic embedder of
 * test/helpers/embeddings-server.ts (the model the bench configures), as on a server whose
 * embeddings endpoint has embedded everything: the database has the size and layout of a real one
 * (1M × 1.5 KB of vectors), not only the bench users' share of it.
 *
 * Memories arrive as they would in production, from all users over time: memory `i` of every user,
 * then memory `i + 1` of every user, so one user's 1,000 rows are spread over the whole table (one
 * in `users`), never stored together. Ids and times grow in that order, as created ids do.
 *
 * Texts are 8 to 16 words drawn with a skewed (Zipf-like) frequency from a 2,000-word vocabulary
 * plus a few concept words, so a query word matches from a handful to most of a user's memories,
 * as real text does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { vectorToBytes } from '../../src/modules/memory/memory-repository.js';
import { embedText } from '../../test/helpers/embeddings-server.js';
import { BASE_TIME_MS, userId, workspaceId, type PreloadSize } from './data.js';
import { schemaVersion } from './schema-version.js';

export const MEMORIES_PER_USER = 1000;
export const EMBEDDING_DIMENSIONS = 384;
export const EMBEDDING_MODEL = 'bench-embed-384';

export const memoryUserCount = (size: PreloadSize) => (size === 'large' ? 1000 : 10);

/** The users the requests act as: 10, spread over the set (the same ids at both sizes). */
export function memoryBenchUsers(size: PreloadSize): number[] {
  const step = memoryUserCount(size) / 10;
  return Array.from({ length: 10 }, (_, i) => i * step);
}

const CONCEPT_WORDS = ['coffee', 'espresso', 'dog', 'puppy', 'ocean', 'sailing', 'mountain', 'hiking', 'peanut', 'allergic'];
const VOCABULARY = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);

/** A small deterministic generator (mulberry32), so every build has the same texts. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function memoryText(u: number, i: number): string {
  const next = random(u * 1_000_003 + i);
  const words: string[] = [];
  const length = 8 + Math.floor(next() * 9);
  for (let k = 0; k < length; k++) {
    // One word in eight is a concept word; the rest Zipf-like over the vocabulary.
    words.push(next() < 0.125 ? CONCEPT_WORDS[Math.floor(next() * CONCEPT_WORDS.length)]! : VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3)]!);
  }
  return words.join(' ');
}

/** The queries the bench sends, in turn: a common word, a concept pair, a rarer word. */
export const MEMORY_QUERIES = ['coffee', 'dog hiking', `${VOCABULARY[40]} ${VOCABULARY[900]}`];

export interface PreloadedMemory {
  id: string;
  workspaceId: string;
  userId: string;
  text: string;
  metadata: string;
  /** created_at and updated_at, ms since the epoch. */
  at: number;
  /** float32 little-endian, as Threadgate stores it. */
  embedding: Buffer;
}

/** Every memory of the set, in insertion order (memory `i` of every user, then `i + 1`...). */
export function* preloadedMemories(size: PreloadSize): Generator<PreloadedMemory> {
  const users = memoryUserCount(size);
  for (let i = 0; i < MEMORIES_PER_USER; i++) {
    for (let u = 0; u < users; u++) {
      const seq = i * users + u;
      const text = memoryText(u, i);
      yield {
        id: `mem_${String(seq).padStart(26, '0')}`,
        workspaceId: workspaceId(u),
        userId: userId(u),
        text,
        metadata: `{"i":${i}}`,
        at: BASE_TIME_MS + seq * 1000,
        embedding: vectorToBytes(Float32Array.from(embedText(text, EMBEDDING_DIMENSIONS))),
      };
    }
  }
}

/**
 * The key of a cached memory preload: the schema version (migrations and data.ts) and this file,
 * so a change of the generated memories builds a fresh preload. 12 hex characters.
 */
export function memoryPreloadVersion(): string {
  return createHash('sha256').update(schemaVersion()).update('\0').update(readFileSync(import.meta.filename)).digest('hex').slice(0, 12);
}
