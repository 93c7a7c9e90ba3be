/**
 * The AI SDK's own CPU per streamed run, with no network and no Threadgate: `streamText` over a
 * model that answers from memory, read as the UI message stream (what an agent run sends), with
 * and without the first-output probe Threadgate reads before answering (agent-runner.ts: a
 * branch of `fullStream` read to its first part, then `toUIMessageStream`). Two answers: one text
 * chunk (what a run costs before its first token, whatever the model) and 256 chunks at once (what
 * each chunk costs). It explains the `AI SDK alone` path of bench/agents.ts, and how much the
 * Node.js version decides it (web streams are built and stepped for every stage of every run).
 *
 *   npm run bench:ai-sdk -- [--runs 1000]
 *
 * Figures go to docs/benchmarks.md, not here.
 */
import { parseArgs } from 'node:util';
import { streamText } from 'ai';
import { median } from './stats.js';

/** A LanguageModelV3 (the AI SDK's provider interface) whose stream is `chunks` text deltas, then a finish. */
function modelAnswering(chunks: number) {
  return {
    specificationVersion: 'v3' as const,
    provider: 'memory',
    modelId: `chunks-${chunks}`,
    supportedUrls: {},
    doGenerate(): never {
      throw new Error('stream only');
    },
    async doStream() {
      return {
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'text-start', id: 't' });
            for (let i = 0; i < chunks; i++) controller.enqueue({ type: 'text-delta', id: 't', delta: `w${i} ` });
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 1 }, outputTokens: { total: chunks } } });
            controller.close();
          },
        }),
      };
    },
  };
}

async function run(model: ReturnType<typeof modelAnswering>, probe: boolean): Promise<void> {
  const result = streamText({ model: model as never, system: 'Be brief.', messages: [{ role: 'user', content: 'go' }] });
  if (probe) {
    const reader = result.fullStream.getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done === true || next.value.type === 'text-delta') break;
    }
    void reader.cancel().catch(() => undefined);
  }
  for await (const part of result.toUIMessageStream()) void part;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' } } });
  const runs = Number(values.runs);
  console.log(`Node.js ${process.version}: ms of CPU per streamed run, median of 5 batches`);
  for (const chunks of [1, 256]) {
    const model = modelAnswering(chunks);
    const batch = chunks === 1 ? runs : Math.max(10, Math.round(runs / 20));
    for (const probe of [false, true]) {
      for (let i = 0; i < batch / 5; i++) await run(model, probe);
      const perRun: number[] = [];
      for (let b = 0; b < 5; b++) {
        const start = performance.now();
        for (let i = 0; i < batch; i++) await run(model, probe);
        perRun.push((performance.now() - start) / batch);
      }
      console.log(`${String(chunks).padStart(3)} chunk(s)${probe ? ', with the probe   ' : ', UI stream only   '} ${median(perRun).toFixed(3)} ms`);
    }
  }
}

await main();
