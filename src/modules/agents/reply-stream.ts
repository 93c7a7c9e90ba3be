/**
 * The body of a streamed run: the AI SDK's UI message stream as Server-Sent Events (the SDK's own
 * encoder), ended by the run's end, with the events of a burst written together.
 *
 * Why not `createUIMessageStream` around the reply: it copies every part through a second UI
 * message stream (its writer, its finish handling) only to await the run's end; here one small
 * stream awaits it. Why the burst writer: Node writes a response's chunks when the current tick
 * ends, and the AI SDK's streams run on promise jobs, so an answer the provider sends at once (a
 * cached or short answer) is processed whole before its first byte leaves, and each event is one
 * more read, encode and write down the line.
 */
import { JsonToSseTransformStream, UI_MESSAGE_STREAM_HEADERS, type UIMessageChunk } from 'ai';

/**
 * `parts`, then whatever `settle` adds (awaited however the parts end, also when the reader
 * cancels). `settle` resolves to a last part (an error that happened while ending) or undefined.
 * A failure of `parts` themselves (the provider's stream broke) becomes the part `errorPart`
 * makes, as the AI SDK's `createUIMessageStream` does with a failure of its `execute`.
 *
 * @example settledBy(result.toUIMessageStream(), () => run.settle().then(() => undefined), () => ({ type: 'error', errorText: 'model_unavailable: …' }))
 */
export function settledBy(parts: ReadableStream<UIMessageChunk>, settle: () => Promise<UIMessageChunk | undefined>, errorPart: (error: unknown) => UIMessageChunk): ReadableStream<UIMessageChunk> {
  const reader = parts.getReader();
  let settling: Promise<UIMessageChunk | undefined> | undefined;
  const settleOnce = () => (settling ??= settle());
  const end = async (controller: ReadableStreamDefaultController<UIMessageChunk>) => {
    const last = await settleOnce();
    if (last !== undefined) controller.enqueue(last);
    controller.close();
  };
  return new ReadableStream<UIMessageChunk>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        controller.enqueue(errorPart(error));
        await end(controller);
        return;
      }
      if (next.done === true) return end(controller);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
      await settleOnce();
    },
  }, { highWaterMark: 0 });
}

/** How long a burst's chunks are held before they go on together, in milliseconds. */
const SLICE_MS = 1;

/**
 * Strings in, strings out, in order. During the first SLICE_MS of a burst every chunk goes on at
 * once (the first words of an answer, and each word of a model that writes slowly); after that,
 * the chunks of a burst go on together once per SLICE_MS (or when the stream ends, or when no
 * chunk came for SLICE_MS). After each chunk it passes on, the stream waits one turn of the event
 * loop, so that chunk is written before the rest of the burst is processed.
 *
 * @example parts.pipeThrough(new JsonToSseTransformStream()).pipeThrough(burstWriter())
 */
export function burstWriter(now: () => number = () => performance.now()): TransformStream<string, string> {
  /** The chunks held in the current slice; undefined between bursts. */
  let held: string[] | undefined;
  let sliceEnd = 0;
  /** When the current burst's first slice ends: until then every chunk goes on at once. */
  let firstSliceEnd = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let out: TransformStreamDefaultController<string> | undefined;
  /** A burst that stopped within a slice: what it holds goes on, and the next chunk starts a new one. */
  const release = () => {
    timer = undefined;
    const chunks = held;
    held = undefined;
    if (chunks === undefined || chunks.length === 0) return;
    try {
      out!.enqueue(chunks.join(''));
    } catch {
      // The reader went away (the client disconnected): nothing is left to write to.
    }
  };
  const pass = (controller: TransformStreamDefaultController<string>, text: string) => {
    controller.enqueue(text);
    held = [];
    sliceEnd = now() + SLICE_MS;
    clearTimeout(timer);
    timer = setTimeout(release, SLICE_MS);
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
  return new TransformStream<string, string>({
    start(controller) {
      out = controller;
    },
    transform(chunk, controller) {
      if (held === undefined) {
        firstSliceEnd = now() + SLICE_MS;
        return pass(controller, chunk);
      }
      if (held.length === 0 && now() < firstSliceEnd) return pass(controller, chunk);
      held.push(chunk);
      if (now() < sliceEnd) return;
      return pass(controller, held.join(''));
    },
    flush(controller) {
      clearTimeout(timer);
      if (held !== undefined && held.length > 0) controller.enqueue(held.join(''));
      held = undefined;
    },
  });
}

/**
 * The HTTP answer for a run's UI message stream: what the AI SDK's
 * `createUIMessageStreamResponse` sends (the same encoder and headers), with the burst writer
 * before the bytes. `headers` add to the SDK's and win over them.
 */
export function uiMessageStreamResponse(parts: ReadableStream<UIMessageChunk>, headers: Record<string, string>): Response {
  const body = parts.pipeThrough(new JsonToSseTransformStream()).pipeThrough(burstWriter()).pipeThrough(new TextEncoderStream());
  return new Response(body, { status: 200, headers: { ...UI_MESSAGE_STREAM_HEADERS, ...headers } });
}
