/**
 * Streamed agent runs through Threadgate against the same provider called directly (issue 14
 * item 7): time to first token and tokens per second, median over N runs, one after another.
 * The provider is the deterministic OpenAI-protocol peer of the tests, so what differs is
 * Threadgate: authentication, limits, the run record and the AI SDK's stream in between. A third
 * path, for reference, is the AI SDK alone in a bare Hono server (streamText to the same provider,
 * then toUIMessageStreamResponse): what Threadgate costs beyond the SDK is the second path less
 * this one. Two
 * answers: `paced` (64 words, one every 5 ms, as a model writes: time to first token) and `long`
 * (256 words at once: the most tokens per second each path can carry). Target: overhead per run
 * at most 5 ms at the median (first token, paced).
 *
 *   npm run build && node --import tsx bench/agents.ts [--runs 200] [--only paced,long]
 *
 * Figures go to docs/benchmarks.md, not here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { serve } from '@hono/node-server';
import { streamText } from 'ai';
import { Hono } from 'hono';
import { ALL_SCOPES } from '../src/auth/principal.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../test/helpers/server-process.js';
import { startOpenAiPeer } from '../test/helpers/openai-peer.js';
import { median } from './stats.js';
import { createLogger, mintWorkspaceToken, resolveConfig, startServer } from './threadgate-dist.js';

interface Sample {
  ttftMs: number;
  totalMs: number;
  chunks: number;
}

/** Reads a streamed answer: ms to the first text, ms to the end, and text chunks seen. */
async function measure(request: () => Promise<Response>, isText: (line: string) => boolean): Promise<Sample> {
  const start = performance.now();
  const res = await request();
  if (!res.ok || res.body === null) throw new Error(`status ${res.status}: ${await res.text()}`);
  let ttft = -1;
  let chunks = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(piece, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!isText(line)) continue;
      chunks += 1;
      if (ttft < 0) ttft = performance.now() - start;
    }
  }
  return { ttftMs: ttft, totalMs: performance.now() - start, chunks };
}

function summary(label: string, samples: Sample[]) {
  const ttft = median(samples.map((s) => s.ttftMs));
  const total = median(samples.map((s) => s.totalMs));
  const perSecond = median(samples.map((s) => s.chunks / (s.totalMs / 1000)));
  console.log(`${label.padEnd(22)} ttft ${ttft.toFixed(2)} ms   total ${total.toFixed(2)} ms   ${perSecond.toFixed(0)} tokens/s   (${samples[0]?.chunks} tokens)`);
  return { ttft, total };
}

/** The AI SDK alone: a bare Hono server streaming the provider's answer as the UI message stream. */
async function startSdkServer(providerUrl: string): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const provider = createOpenAICompatible({ name: 'peer', baseURL: providerUrl, includeUsage: true });
  const app = new Hono().post('/stream/:model', (c) =>
    streamText({ model: provider.chatModel(c.req.param('model')), prompt: 'go', abortSignal: c.req.raw.signal }).toUIMessageStreamResponse());
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({
      baseUrl: `http://127.0.0.1:${info.port}`,
      close: () => new Promise<void>((done) => server.close(() => done())),
    }));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' }, only: { type: 'string' } } });
  const runs = Number(values.runs);
  const peer = await startOpenAiPeer();
  const dir = mkdtempSync(join(tmpdir(), 'threadgate-bench-agents-'));
  // Threadgate as it ships (dist/, as `npm run bench` runs it): src/ through tsx would also
  // measure tsx's transform on every closure a run creates (bench/threadgate-dist.ts).
  const config = resolveConfig({ DATABASE_URL: join(dir, 'bench.db'), LOG_LEVEL: 'silent', NODE_ENV: 'production', THREADGATE_ADMIN_KEY: TEST_ADMIN_KEY, THREADGATE_MASTER_KEY: TEST_MASTER_KEY, PORT: '0', HOST: '127.0.0.1', THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '1000000', THREADGATE_AGENT_RUNS_PER_MINUTE: '1000000', THREADGATE_AGENT_USER_TOKENS_PER_DAY: '1000000000', THREADGATE_AGENT_TOKENS_PER_DAY: '1000000000' });
  const server = await startServer(config, { logger: createLogger('silent') });
  const sdk = await startSdkServer(peer.baseUrl);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' };
    await fetch(`${base}/admin/v1/providers`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'peer', base_url: peer.baseUrl, models: ['long', 'paced'] }) });
    for (const model of ['long', 'paced']) {
      await fetch(`${base}/admin/v1/agents`, { method: 'POST', headers: admin, body: JSON.stringify({ id: model, name: model, provider_id: 'peer', model }) });
    }
    const { token } = await mintWorkspaceToken(server.deps.keyring, config, { projectId: config.projectId, userId: 'bench', workspaceId: 'bench', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 'bench' } });

    const directText = (line: string) => line.startsWith('data: {') && line.includes('"content":"') && !line.includes('"content":""');
    const throughText = (line: string) => line.startsWith('data: {"type":"text-delta"');
    for (const model of values.only === undefined ? ['paced', 'long'] : values.only.split(',')) {
      const direct = () => fetch(`${peer.baseUrl}/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'go' }] }) });
      const alone = () => fetch(`${sdk.baseUrl}/stream/${model}`, { method: 'POST' });
      const through = () => fetch(`${base}/v1/agents/${model}/stream`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ input: 'go' }) });
      // Warm up every path (JIT, connections, the credential cache).
      for (let i = 0; i < 10; i++) {
        await measure(direct, directText);
        await measure(alone, throughText);
        await measure(through, throughText);
      }
      const a: Sample[] = [];
      const s: Sample[] = [];
      const b: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        a.push(await measure(direct, directText));
        s.push(await measure(alone, throughText));
        b.push(await measure(through, throughText));
      }
      console.log(`\n${model}: ${runs} streamed runs each, in turn, one at a time`);
      const d = summary('provider directly', a);
      const k = summary('AI SDK alone', s);
      const t = summary('through Threadgate', b);
      console.log(`overhead at the median: first token +${(t.ttft - d.ttft).toFixed(2)} ms, whole run +${(t.total - d.total).toFixed(2)} ms`);
      console.log(`of which the AI SDK alone: first token +${(k.ttft - d.ttft).toFixed(2)} ms, whole run +${(k.total - d.total).toFixed(2)} ms`);
    }
  } finally {
    await sdk.close();
    await server.close();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
