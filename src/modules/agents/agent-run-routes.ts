/**
 * Running agents (execution routes: a user credential with `agents:run`; agent limits apply):
 * `POST /v1/agents/{id}/text` answers JSON; `POST` or `GET /v1/agents/{id}/stream` answers
 * Server-Sent Events in the AI SDK's UI message stream protocol (`GET` takes `?input=` and, for
 * EventSource, `?token=`). A run with `thread_id` reads the thread's history and stores its input
 * and reply there. `POST /v1/runs/stream` (modules/runs/run-stream-routes.ts) runs agents for
 * assistant-ui through streamAgentRun.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NoSuchToolError } from 'ai';
import type { Context } from 'hono';
import { ValidationFailed } from '../../errors.js';
import type { AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, storedText } from '../../http/openapi.js';
import { sendJson, standardHeadersOf } from '../../http/respond.js';
import type { ModelInput, RunEnd } from './agent-runner.js';
import { agentsModuleOf } from './agents-module-of.js';
import type { AgentsService } from './agents-service.js';
import { toTurn, type ChatTurn } from './conversation.js';
import { settledBy, uiMessageStreamResponse } from './reply-stream.js';
import type { AdmittedRun } from './run-admission.js';

const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const agentParam = z.object({ agentId: IdParam.openapi({ param: { name: 'agentId', in: 'path' } }) });

const RunMessage = z.object({ role: z.enum(['user', 'assistant']), content: storedText(100_000) });
const RunBody = z.object({
  input: storedText(100_000, 1).optional().openapi({ description: 'The user\'s message.' }),
  messages: z.array(RunMessage).max(500).optional().openapi({ description: 'The conversation so far, oldest first (without thread_id).' }),
  thread_id: IdParam.optional().openapi({ description: 'A thread of the caller\'s workspace: its history goes to the model, and the input and the reply are stored in it.' }),
});
const RunAnswer = z.object({
  agent_id: z.string(),
  thread_id: z.string().nullable(),
  message_id: z.string().nullable().openapi({ description: 'The stored reply, with thread_id.' }),
  text: z.string(),
  finish_reason: z.string(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
}).openapi('AgentRunAnswer');

const runErrors = errorResponses(400, 401, 403, 404, 413, 429, 502, 504);
const runText = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId' }, {
  method: 'post', path: '/v1/agents/{agentId}/text', tags: ['agents'], summary: 'Run an agent and answer its whole reply',
  request: { params: agentParam, body: json(RunBody) },
  responses: { 200: { description: 'The reply', content: { 'application/json': { schema: RunAnswer } } }, ...runErrors },
});
const streamPost = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId', streaming: true }, {
  method: 'post', path: '/v1/agents/{agentId}/stream', tags: ['agents'], summary: 'Run an agent and stream its reply (Server-Sent Events, AI SDK UI message stream)',
  request: { params: agentParam, body: json(RunBody) },
  responses: { 200: { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: z.string() } } }, ...runErrors },
});
const streamGet = declareRoute({ category: 'execution', scope: 'agents:run', agentParam: 'agentId', streaming: true }, {
  method: 'get', path: '/v1/agents/{agentId}/stream', tags: ['agents'], summary: 'Run an agent for EventSource: ?input= (and ?token=, ?thread_id=)',
  request: { params: agentParam, query: z.object({ input: storedText(8000, 1), thread_id: IdParam.optional(), token: z.string().max(16_384).optional() }) },
  responses: { 200: { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: z.string() } } }, ...runErrors },
});

/** The turns of a run request: the thread's history or the given messages, then the input. */
async function turnsOf(service: AgentsService, run: AdmittedRun, body: z.infer<typeof RunBody>): Promise<ChatTurn[]> {
  const turns = run.threadId !== null ? await service.threadHistory(run.principal, run.threadId) : (body.messages ?? []).flatMap((m) => toTurn(m) ?? []);
  if (body.input !== undefined) turns.push({ role: 'user', text: body.input });
  return turns;
}

/**
 * Stores the run's turn (the user's message, and the reply's message under a run lease) while the
 * model is called: the two commits overlap the model's first output rather than precede it. Only
 * once the run is admitted and its tokens reserved, so a refused run leaves no message; a turn
 * that cannot be stored (the thread is gone) cancels the run.
 */
function openTurnAlongside(service: AgentsService, run: AdmittedRun, userText: string): Promise<{ assistantMessageId: string; leaseId: string }> {
  const opening = service.openThreadTurn(run, userText);
  opening.catch(() => run.abort.cancel());
  return opening;
}

/**
 * Ends the turn of a run that failed before its answer, once it is stored; answers what to throw:
 * the turn's own failure (it cancelled the run), else the run's.
 */
async function closeFailedTurn(service: AgentsService, run: AdmittedRun, opening: Promise<{ assistantMessageId: string; leaseId: string }>, error: unknown): Promise<unknown> {
  let turn: { assistantMessageId: string; leaseId: string };
  try {
    turn = await opening;
  } catch (failure) {
    return failure;
  }
  await service.closeThreadTurn(run, turn, { outcome: run.abort.signal.aborted && !run.abort.timedOut() ? 'cancelled' : 'error', text: '' });
  return error;
}

function checkRunBody(body: z.infer<typeof RunBody>): void {
  if (body.thread_id !== undefined && body.messages !== undefined) throw new ValidationFailed('messages', 'a run on a thread reads its history from the thread: send input only');
  if (body.thread_id !== undefined && body.input === undefined) throw new ValidationFailed('input', 'is required with thread_id');
  if (body.input === undefined && (body.messages ?? []).length === 0) throw new ValidationFailed('input', 'is required (or messages)');
}

/**
 * Streams a run of the agent as the AI SDK UI message stream (Server-Sent Events). Any failure
 * before the model's first output is thrown (a JSON error); after it, the stream ends with an
 * `error` part carrying the stable code.
 */
export async function streamAgentRun(c: Context<AppEnv>, service: AgentsService, run: AdmittedRun, turns: readonly ChatTurn[], onEnd?: (end: RunEnd) => Promise<void>): Promise<Response> {
  return streamModelInput(c, service, run, await service.modelInput(run, turns), onEnd);
}

/**
 * streamAgentRun once the model's input is known (and the run's tokens reserved). `alongside`:
 * work done while the model prepares its first output (storing the turn), awaited before the
 * answer starts; its failure cancels the run and is the answer.
 */
async function streamModelInput(c: Context<AppEnv>, service: AgentsService, run: AdmittedRun, input: ModelInput, onEnd?: (end: RunEnd) => Promise<void>, alongside?: Promise<unknown>): Promise<Response> {
  const { result, settle } = await service.stream(run, input, onEnd);
  if (alongside !== undefined) {
    try {
      await alongside;
    } catch (error) {
      run.abort.cancel();
      await settle();
      throw error;
    }
  }
  // The last byte waits for the run's end (recorded, thread written), however the reply ended.
  const reply = settledBy(result.toUIMessageStream({ onError: (error) => errorText(error, run) }), () =>
    settle().then(() => undefined, (error: unknown) => ({ type: 'error' as const, errorText: errorText(error, run) })),
  (error) => ({ type: 'error', errorText: errorText(error, run) }));
  // `Transfer-Encoding: chunked`, as hono's streamSSE sets it: without it @hono/node-server may hold
  // the first chunk back a timer tick, in case the body is short enough to send with a length.
  return uiMessageStreamResponse(reply, { ...standardHeadersOf(c), ...run.headers, 'Transfer-Encoding': 'chunked' });
}

/** The text of a stream's error part: the stable code and its public message (never the provider's text). */
function errorText(error: unknown, run: AdmittedRun): string {
  if (run.abort.timedOut()) return 'model_timeout: The model did not finish within the run timeout.';
  if (NoSuchToolError.isInstance(error)) return `model_unavailable: The model called a tool this agent does not have (${error.toolName.slice(0, 64)}).`;
  return 'model_unavailable: The model provider failed during the answer.';
}

/**
 * @example
 * app.route('/', agentRunRoutes())
 */
export function agentRunRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(runText, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    checkRunBody(body);
    const { service } = agentsModuleOf(c);
    const run = await service.admit(principal, c.req.valid('param').agentId, 'text', body.thread_id ?? null, c.req.raw.signal);
    const turns = await turnsOf(service, run, body);
    const input = await service.modelInput(run, turns);
    if (run.threadId === null) {
      const answer = await service.generate(run, input);
      return sendJson(c, { agent_id: run.agent.id, thread_id: null, message_id: null, text: answer.text, finish_reason: answer.finishReason, usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens } }, 200, run.headers);
    }
    const opening = openTurnAlongside(service, run, body.input!);
    try {
      const answer = await service.generate(run, input);
      const turn = await opening;
      await service.closeThreadTurn(run, turn, { outcome: 'done', text: answer.text });
      return sendJson(c, { agent_id: run.agent.id, thread_id: run.threadId, message_id: turn.assistantMessageId, text: answer.text, finish_reason: answer.finishReason, usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens } }, 200, run.headers);
    } catch (error) {
      throw await closeFailedTurn(service, run, opening, error);
    }
  });

  const stream = async (c: Context<AppEnv>, agentId: string, body: z.infer<typeof RunBody>) => {
    const principal = requirePrincipal(c);
    checkRunBody(body);
    const { service } = agentsModuleOf(c);
    const run = await service.admit(principal, agentId, 'stream', body.thread_id ?? null, c.req.raw.signal);
    const input = await service.modelInput(run, await turnsOf(service, run, body));
    if (run.threadId === null) return streamModelInput(c, service, run, input);
    const opening = openTurnAlongside(service, run, body.input!);
    const closeTurn = async (end: RunEnd) => {
      const turn = await opening.catch(() => undefined);
      if (turn !== undefined) await service.closeThreadTurn(run, turn, end);
    };
    try {
      return await streamModelInput(c, service, run, input, closeTurn, opening);
    } catch (error) {
      // Failed before the stream began: the recorded run's onEnd may not have run yet.
      throw await closeFailedTurn(service, run, opening, error);
    }
  };
  app.openapi(streamPost, (c) => stream(c, c.req.valid('param').agentId, c.req.valid('json')) as never);
  app.openapi(streamGet, (c) => {
    const q = c.req.valid('query');
    return stream(c, c.req.valid('param').agentId, { input: q.input, ...(q.thread_id !== undefined ? { thread_id: q.thread_id } : {}) }) as never;
  });

  return app;
}
