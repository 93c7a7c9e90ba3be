/**
 * The body of a streamed run (src/modules/agents/reply-stream.ts): the run's end is awaited before
 * the stream closes (or when its reader cancels), and a burst's first chunk goes on before the
 * rest of the burst is taken in, the rest going on together.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UIMessageChunk } from 'ai';
import { burstWriter, settledBy, uiMessageStreamResponse } from '../../../src/modules/agents/reply-stream.js';

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream as unknown as AsyncIterable<T>) out.push(item);
  return out;
}

const delta = (i: number): UIMessageChunk => ({ type: 'text-delta', id: 't', delta: `w${i} ` });

describe('reply stream', () => {
  it('reply stream – closes only after the run has settled, with the part settling adds', async () => {
    const events: string[] = [];
    const stream = settledBy(streamOf([delta(0), delta(1)]), async () => {
      events.push('settled');
      return { type: 'error', errorText: 'internal: ending failed' };
    }, () => assert.fail('no failure'));
    const parts = await readAll(stream);
    assert.deepEqual(parts.map((p) => p.type), ['text-delta', 'text-delta', 'error']);
    assert.deepEqual(events, ['settled']);
  });

  it('reply stream – a failure of the parts is an error part, then the run settles and the stream closes', async () => {
    let settled = 0;
    const parts = new ReadableStream<UIMessageChunk>({
      start(controller) {
        controller.enqueue(delta(0));
      },
      pull(controller) {
        controller.error(new Error('provider cut the answer'));
      },
    });
    const stream = settledBy(parts, async () => {
      settled += 1;
      return undefined;
    }, (error) => ({ type: 'error', errorText: `model_unavailable: ${(error as Error).message}` }));
    const out = await readAll(stream);
    assert.deepEqual(out, [delta(0), { type: 'error', errorText: 'model_unavailable: provider cut the answer' }]);
    assert.equal(settled, 1);
  });

  it('reply stream – settles once when the reader cancels, and cancels the parts', async () => {
    let settled = 0;
    let cancelled: unknown;
    const parts = new ReadableStream<UIMessageChunk>({
      pull(controller) {
        controller.enqueue(delta(0));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = settledBy(parts, async () => {
      settled += 1;
      return undefined;
    }, () => assert.fail('no failure')).getReader();
    await reader.read();
    await reader.cancel('client left');
    assert.equal(cancelled, 'client left');
    assert.equal(settled, 1);
  });

  it('reply stream – a burst: the first chunk goes on before the rest is taken in, the rest as fewer, larger chunks', async () => {
    let taken = 0;
    const source = new ReadableStream<string>({
      pull(controller) {
        if (taken === 200) return controller.close();
        controller.enqueue(`data: ${taken}\n\n`);
        taken += 1;
      },
    }, { highWaterMark: 0 });
    // Node writes a response's chunks on the next tick (process.nextTick), once the promise jobs
    // have run: what had been taken in then is what the first write waited for.
    let takenAtWrite = -1;
    const chunks: string[] = [];
    for await (const chunk of source.pipeThrough(burstWriter()) as unknown as AsyncIterable<string>) {
      if (chunks.length === 0) process.nextTick(() => (takenAtWrite = taken));
      chunks.push(chunk);
    }
    assert.equal(chunks[0], 'data: 0\n\n');
    assert.ok(takenAtWrite >= 0 && takenAtWrite < 5, `taken ${takenAtWrite}`);
    assert.equal(chunks.join(''), Array.from({ length: 200 }, (_, i) => `data: ${i}\n\n`).join(''));
    assert.ok(chunks.length < 200, `chunks ${chunks.length}`);
  });

  it('reply stream – chunks that come one at a time go on one at a time, at once', async () => {
    let push: ((chunk: string) => void) | undefined;
    const source = new ReadableStream<string>({
      start(controller) {
        push = (chunk) => controller.enqueue(chunk);
      },
    });
    const reader = source.pipeThrough(burstWriter()).getReader();
    for (const chunk of ['a', 'b', 'c']) {
      push!(chunk);
      assert.equal((await reader.read()).value, chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it('reply stream – answers as the AI SDK does: its encoder, its headers, ours added', async () => {
    const res = uiMessageStreamResponse(streamOf<UIMessageChunk>([{ type: 'start' }, delta(0)]), { 'RateLimit-Limit': '10' });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
    assert.equal(res.headers.get('ratelimit-limit'), '10');
    assert.equal(await res.text(), 'data: {"type":"start"}\n\ndata: {"type":"text-delta","id":"t","delta":"w0 "}\n\ndata: [DONE]\n\n');
  });
});
