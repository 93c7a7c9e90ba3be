/**
 * A deterministic model provider for tests: a local HTTP server speaking the OpenAI
 * chat-completions protocol (`POST /v1/chat/completions`, JSON or, with `stream: true`, Server-Sent
 * Events with `stream_options.include_usage`). The model name picks the behaviour:
 *
 * - `echo` (and any other name): "You said: <last user text>", streamed word by word;
 * - `title`: "Trip to Lisbon";
 * - `long`: 256 words ("w0 w1 ..."), one per chunk, at once (the benchmark's tokens per second);
 * - `paced`: 64 words, one chunk every 5 ms, as a model writes (the benchmark's first token);
 * - `tool`: a call of the tool `lookup` with `{"q":"x"}` (finish_reason `tool_calls`);
 * - `fail`: 500 with an OpenAI error body;
 * - `garbage`: 200 with a body that is not JSON (nor SSE);
 * - `slow`: answers nothing until the client goes away (its disconnect is counted);
 * - `cutoff`: streams two words, then destroys the connection;
 * - `remember`: calls the tool `remember` with `{"fact": "<last user text>"}`, and once the
 *   conversation holds the tool's result, answers "Noted.";
 * - `greedy`: answers as `echo`, but reports the most a run could spend: every output token it was
 *   allowed (`max_tokens`) and one input token per byte of the messages (a byte-level tokenizer's
 *   most).
 *
 * Every request is recorded (path, headers, body) for the tests to read.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRequest {
  path: string;
  authorization: string | undefined;
  body: any;
}

export interface OpenAiPeer {
  /** The base URL to configure as a provider's (`…/v1`). */
  baseUrl: string;
  requests: PeerRequest[];
  /** How many `slow` calls the client abandoned. */
  disconnects: number;
  /** Resolves once `count` slow calls were abandoned. */
  waitForDisconnects(count: number): Promise<void>;
  close(): Promise<void>;
}

const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/** The most a call could count: all of max_tokens out, and a token per byte of the messages in. */
function greedyUsage(body: any): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const prompt = (body?.messages ?? []).reduce((sum: number, m: any) => sum + Buffer.byteLength(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')), 0);
  const completion = Number(body?.max_tokens ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function lastUserText(body: any): string {
  const user = [...(body?.messages ?? [])].reverse().find((m: any) => m.role === 'user');
  if (user === undefined) return '';
  return typeof user.content === 'string' ? user.content : (user.content ?? []).map((p: any) => p.text ?? '').join('');
}

function replyFor(model: string, body: any): string {
  if (model === 'paced') return Array.from({ length: 64 }, (_, i) => `w${i}`).join(' ');
  if (model === 'long') return Array.from({ length: 256 }, (_, i) => `w${i}`).join(' ');
  return model === 'title' ? 'Trip to Lisbon' : `You said: ${lastUserText(body)}`;
}

export async function startOpenAiPeer(): Promise<OpenAiPeer> {
  const requests: PeerRequest[] = [];
  let disconnects = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const noteDisconnect = () => {
    disconnects += 1;
    for (const waiter of waiters.filter((w) => disconnects >= w.count)) waiter.resolve();
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions' || body === null) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const model = String(body.model);
    const id = 'chatcmpl-test';
    const created = 1_700_000_000;
    if (model === 'fail') {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error' } }));
      return;
    }
    if (model === 'garbage') {
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' }).end(body.stream ? 'data: {not json\n\n' : '<html>proxy error</html>');
      return;
    }
    if (model === 'slow') {
      res.on('close', noteDisconnect);
      return;
    }
    const toolDone = (body.messages ?? []).some((m: any) => m.role === 'tool');
    if (model === 'remember' && !toolDone) {
      const call = { index: 0, id: 'call_r', type: 'function', function: { name: 'remember', arguments: JSON.stringify({ fact: lastUserText(body) }) } };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage: USAGE }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [call] }, finish_reason: null }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: USAGE })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    const text = model === 'remember' ? 'Noted.' : replyFor(model, body);
    const usage = model === 'greedy' ? greedyUsage(body) : USAGE;
    if (body.stream !== true) {
      const message = model === 'tool'
        ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] }
        : { role: 'assistant', content: text };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message, finish_reason: model === 'tool' ? 'tool_calls' : 'stop' }],
        usage,
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (delta: unknown, finish: string | null = null, usage?: unknown) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage !== undefined ? { usage } : {}) })}\n\n`);
    if (model === 'tool') {
      send({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] });
      send({}, 'tool_calls');
    } else {
      const words = text.split(/(?<= )/);
      send({ role: 'assistant', content: '' });
      for (const [i, word] of words.entries()) {
        if (model === 'cutoff' && i === 2) {
          // Once the first words have reached the client: the cut comes after the stream began.
          await new Promise<void>((resolve) => res.write(': flushed\n\n', () => resolve()));
          await new Promise((resolve) => setTimeout(resolve, 100));
          res.destroy();
          return;
        }
        send({ content: word });
        if (model === 'paced') await new Promise((resolve) => setTimeout(resolve, 5));
      }
      send({}, 'stop');
    }
    send(null, null, usage);
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get disconnects() {
      return disconnects;
    },
    waitForDisconnects(count) {
      return disconnects >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
