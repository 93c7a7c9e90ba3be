/**
 * Text embeddings from any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio, TEI...),
 * through the AI SDK's `embedMany` and `@ai-sdk/openai-compatible`, configured by
 * THREADGATE_EMBEDDINGS_URL, _MODEL and _KEY (docs/memory.md). No retries here: a failed call
 * leaves the memory queued, and the backfill (backfill.ts) tries again later.
 */
import { embedMany } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingsConfig } from '../../config.js';

export interface Embedder {
  /** The model name, stored with every vector: only vectors of the configured model are compared. */
  readonly model: string;
  /** One vector per value, in order. Throws when the provider fails or times out. */
  embed(values: readonly string[]): Promise<Float32Array[]>;
}

/** Texts per provider call (OpenAI takes up to 2048 inputs; smaller batches fail smaller). */
export const EMBED_BATCH_SIZE = 64;

/**
 * @example
 * const embedder = createEmbedder({ url: 'http://127.0.0.1:11434/v1', model: 'all-minilm', apiKey: null, timeoutMs: 10_000 })
 * const [vector] = await embedder.embed(['likes espresso'])
 */
export function createEmbedder(config: EmbeddingsConfig): Embedder {
  const provider = createOpenAICompatible({
    name: 'threadgate-embeddings',
    baseURL: config.url,
    ...(config.apiKey !== null ? { apiKey: config.apiKey } : {}),
  });
  const model = provider.embeddingModel(config.model);
  return {
    model: config.model,
    async embed(values) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < values.length; start += EMBED_BATCH_SIZE) {
        const { embeddings } = await embedMany({
          model,
          values: values.slice(start, start + EMBED_BATCH_SIZE),
          maxRetries: 0,
          abortSignal: AbortSignal.timeout(config.timeoutMs),
        });
        for (const embedding of embeddings) vectors.push(Float32Array.from(embedding));
      }
      if (vectors.length !== values.length) throw new Error(`the embeddings endpoint answered ${vectors.length} vectors for ${values.length} texts`);
      return vectors;
    },
  };
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
