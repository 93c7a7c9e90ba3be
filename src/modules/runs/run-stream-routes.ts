/**
 * `POST /v1/runs/stream` (AssistantCloudRuns.stream): a run whose answer streams back as
 * `text/plain`, which the client decodes with assistant-stream's PlainTextDecoder (each chunk of
 * the body is a text delta). One assistant is served: `system/thread_title`, which the client
 * calls after a turn (generateThreadTitle, and assistant-ui's cloud thread list) to name the
 * thread. Its text comes from `deps.titleGenerator` (titles/title-generator.ts); the route stores
 * it as the thread's title before the response ends, since assistant-ui's thread list relies on
 * the run having persisted it ("`generate` resolves only once the run has persisted its title",
 * @assistant-ui/core title-generation.ts). `generateThreadTitle` writes the same title again with
 * `threads.update`: the same value twice, no harm.
 *
 * Any other `assistant_id` names an agent (src/modules/agents), run for the caller (`agents:run`
 * too, agent limits, cost limits). The AI SDK chat transport that
 * `cloud.runs.__internal_getAssistantOptions` configures sends `response_format:
 * "vercel-ai-data-stream/v1"` and the chat's UI messages, and reads the AI SDK UI message stream
 * (Server-Sent Events); `cloud.runs.stream` without it reads the reply as `text/plain`. Without
 * messages, the thread's history is read from the store. Nothing is written to the thread here:
 * assistant-ui's cloud persistence stores the messages it shows (each message is stored once).
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import type { TitleMessage } from '../../titles/title-generator.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, storedText } from '../../http/openapi.js';
import { standardHeadersOf } from '../../http/respond.js';
import { streamAgentRun } from '../agents/agent-run-routes.js';
import { toTurn } from '../agents/conversation.js';
import { PolicyDenied } from '../../errors.js';
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal.js';

export const THREAD_TITLE_ASSISTANT = 'system/thread_title';

const MessageSchema = z.looseObject({
  role: z.string().max(64),
  content: z.union([z.string(), z.array(z.unknown())]).optional(),
  /** The AI SDK's UI messages carry their text in `parts`. */
  parts: z.array(z.unknown()).max(1000).optional(),
});

/** What the AI SDK chat transport of `__internal_getAssistantOptions` asks for. */
export const UI_MESSAGE_STREAM_FORMAT = 'vercel-ai-data-stream/v1';

const streamRun = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/runs/stream',
  tags: ['runs'],
  summary: 'Run an assistant on a thread and stream its text (only system/thread_title today)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.looseObject({
            thread_id: IdParam,
            assistant_id: storedText(255, 1),
            messages: z.array(MessageSchema).max(1000).optional(),
            response_format: storedText(64).optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The text, streamed; for system/thread_title, the title (also stored on the thread)', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(400, 401, 403, 404, 413, 429, 502, 504),
  },
});

/** The text parts of the client's messages (`{type: "text", text}`; a string content counts too). */
function toTitleMessages(messages: readonly z.infer<typeof MessageSchema>[]): TitleMessage[] {
  return messages.map((message) => {
    const content = message.content;
    const texts = typeof content === 'string'
      ? [content]
      : (content ?? []).flatMap((part) => {
          const p = part as { type?: unknown; text?: unknown } | null;
          return p !== null && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string' ? [p.text] : [];
        });
    return { role: message.role, texts };
  });
}

type RunBody = { thread_id: string; assistant_id: string; messages?: z.infer<typeof MessageSchema>[] | undefined; response_format?: string | undefined };

/** A run of an agent (`assistant_id` = the agent's id). */
async function runAgent(c: Context<AppEnv>, principal: Principal, body: RunBody): Promise<Response> {
  const agents = depsOf(c).agents;
  if (agents === undefined) throw new NotFound({ message: `No assistant "${body.assistant_id}".` });
  if (!principal.scopes.has('agents:run')) {
    throw new PolicyDenied({ message: 'This credential lacks the "agents:run" scope.', fields: { scope: 'agents:run' } });
  }
  const { service } = agents;
  const run = await service.admit(principal, body.assistant_id, 'runs_stream', body.thread_id, c.req.raw.signal);
  const given = (body.messages ?? []).flatMap((message) => toTurn(message) ?? []);
  const turns = given.length > 0 ? given : await service.threadHistory(principal, body.thread_id);
  if (body.response_format === UI_MESSAGE_STREAM_FORMAT) return streamAgentRun(c, service, run, turns);
  const { result } = await service.stream(run, await service.modelInput(run, turns));
  const encoder = new TextEncoder();
  const text = result.textStream.pipeThrough(new TransformStream<string, Uint8Array>({ transform: (piece, out) => out.enqueue(encoder.encode(piece)) }));
  return new Response(text, { status: 200, headers: { ...standardHeadersOf(c), ...run.headers, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function runStreamRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(streamRun, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const { threads, titleGenerator, logger } = depsOf(c);
    if (body.assistant_id !== THREAD_TITLE_ASSISTANT) return runAgent(c, principal, body) as never;
    const threadId = (await threads.service.requireThread(principal, body.thread_id)).id;

    const signal = c.req.raw.signal;
    const pieces = titleGenerator.generateTitle({ threadId, messages: toTitleMessages(body.messages ?? []), signal, principal })[Symbol.asyncIterator]();
    // The first piece before the answer starts: a refusal (a title model's limits) is a JSON answer.
    let first: IteratorResult<string> | undefined = await pieces.next();
    const encoder = new TextEncoder();
    let title = '';
    const text = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = first ?? (await pieces.next());
          first = undefined;
          if (next.done !== true) {
            title += next.value;
            if (next.value !== '') controller.enqueue(encoder.encode(next.value));
            return;
          }
          // Stored before the body ends: the client reads the end of the body as "title saved".
          await threads.service.storeTitle(principal, threadId, title);
          controller.close();
        } catch (error) {
          logger.error({ err: error, threadId }, 'thread title generation failed');
          controller.error(error);
        }
      },
      async cancel() {
        await pieces.return?.();
      },
    });
    return new Response(text, {
      status: 200,
      headers: { ...standardHeadersOf(c), 'Content-Type': 'text/plain; charset=utf-8' },
    }) as never;
  });

  return app;
}
