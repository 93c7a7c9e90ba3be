/**
 * A deterministic embeddings server speaking the OpenAI embeddings protocol (POST /v1/embeddings,
 * `input` a string or a list, answer `{ data: [{ embedding, index }] }`), for the semantic, hybrid
 * and provider-down paths of memory search. A real HTTP peer: the AI SDK client talks to it over
 * the network exactly as to OpenAI or Ollama.
 *
 * Vectors mean something: each word adds to the dimension of its *concept* (a few synonym groups,
 * so "puppy" is near "dog" without sharing a word) or, for any other word, to a hashed dimension.
 * The vector is normalized; the same text always gives the same vector.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export const CONCEPTS: readonly (readonly string[])[] = [
  ['dog', 'dogs', 'puppy', 'puppies', 'canine', 'hound'],
  ['coffee', 'espresso', 'latte', 'cappuccino', 'caffeine'],
  ['sea', 'ocean', 'sailing', 'boat', 'beach'],
  ['mountain', 'mountains', 'hiking', 'alps', 'climbing'],
  ['allergy', 'allergic', 'peanut', 'peanuts', 'nuts'],
];

export interface EmbeddingsServer {
  /** Base URL for THREADGATE_EMBEDDINGS_URL (ends in /v1). */
  url: string;
  /** Answer 503 to every request while true. */
  down: boolean;
  /** Texts embedded so far, in order. */
  readonly inputs: string[];
  /** Requests received (including refused ones). */
  requests: number;
  /** The model name of the last request. */
  lastModel: string | undefined;
  close(): Promise<void>;
}

export function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const concept = CONCEPTS.findIndex((group) => group.includes(word));
    const index = concept >= 0 ? concept : CONCEPTS.length + (createHash('sha256').update(word).digest().readUInt32BE(0) % (dimensions - CONCEPTS.length));
    vector[index]! += concept >= 0 ? 3 : 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** `unref`: the server does not keep the process alive (the bench, which never closes it). */
export async function startEmbeddingsServer(options: { dimensions?: number; unref?: boolean } = {}): Promise<EmbeddingsServer> {
  const dimensions = options.dimensions ?? 384;
  const state = { down: false, requests: 0, lastModel: undefined as string | undefined, inputs: [] as string[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests++;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (state.down) return reply(503, { error: { message: 'the embeddings server is down (test)', type: 'server_error' } });
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return reply(404, { error: { message: 'not found' } });
      let body: { model?: unknown; input?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: { message: 'invalid JSON' } });
      }
      const inputs = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : undefined;
      if (typeof body.model !== 'string' || inputs === undefined || !inputs.every((x) => typeof x === 'string')) {
        return reply(400, { error: { message: 'model and input are required' } });
      }
      state.lastModel = body.model;
      state.inputs.push(...(inputs as string[]));
      reply(200, {
        object: 'list',
        model: body.model,
        data: (inputs as string[]).map((text, index) => ({ object: 'embedding', index, embedding: embedText(text, dimensions) })),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  if (options.unref === true) server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get down() { return state.down; },
    set down(value: boolean) { state.down = value; },
    get inputs() { return state.inputs; },
    get requests() { return state.requests; },
    set requests(value: number) { state.requests = value; },
    get lastModel() { return state.lastModel; },
    set lastModel(value: string | undefined) { state.lastModel = value; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
