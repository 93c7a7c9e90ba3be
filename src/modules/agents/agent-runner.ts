/**
 * Running an admitted run (run-admission.ts): what goes to the model (instructions with user
 * fields, memories, the thread's history), the model call (a whole answer or a stream; an agent
 * that uses memory gets the `remember` tool), the thread turn of the agents' own routes, and the
 * record of every run.
 */
import { asSchema, generateText, stepCountIs, streamText, tool, type ModelMessage, type StreamTextResult, type ToolSet } from 'ai';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { AgentsConfig } from '../../config.js';
import { createId } from '../../crypto/random-id.js';
import { NotFound, type ThreadgateError } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';
import type { AgentMemory } from './agent-memory.js';
import type { AgentThreads } from './agents-ports.js';
import type { AgentRunRecord, AgentsRepository, RunOutcome, RunQuery } from './agents-repository.js';
import { branchOf, fillInstructions, storedContent, toModelMessages, type ChatTurn } from './conversation.js';
import { modelError } from './model-client.js';
import type { AdmittedRun, RunAdmission, Usage } from './run-admission.js';
import { estimateInputTokens, reservationOf } from './token-budget.js';

/** How many memories go into a run's context at most. */
export const MEMORIES_PER_RUN = 5;

/** Model steps a run may take at most (a tool call and the answer after it are two). */
export const MAX_STEPS = 3;

/** How many stored messages a run reads from its thread at most. */
export const HISTORY_LIMIT = 100;

export interface RunResultText {
  text: string;
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
}

/** The runner's part of the agents service (agents-service.ts). */
export interface AgentRunner {
  /** Newest first; `beforeId`: the runs older than that one (an unknown id: from the newest). */
  listRuns(query: Omit<RunQuery, 'projectId' | 'before'> & { beforeId?: string }): Promise<AgentRunRecord[]>;

  /** The thread's current branch (404 outside the caller's workspace). */
  threadHistory(principal: Principal, threadId: string): Promise<ChatTurn[]>;
  /**
   * What the model gets: instructions (user fields filled, memories) and the conversation. Reserves
   * the most the run can spend from the daily token quotas (token-budget.ts): rate_limited when it
   * does not fit in what is left of the user's or the agent's day.
   */
  modelInput(run: AdmittedRun, turns: readonly ChatTurn[]): Promise<ModelInput>;
  /** Runs to the end and answers the text (model_unavailable / model_timeout on failure). */
  generate(run: AdmittedRun, input: ModelInput): Promise<RunResultText>;
  /**
   * Starts a streamed run and waits for the model's first output, so that a provider that is
   * down or slow is answered as a JSON error before anything is sent. `onEnd` runs once, when
   * the run ends however it ends, after the run is recorded. Reserves the run's tokens first
   * when modelInput did not (a title run).
   */
  stream(run: AdmittedRun, input: ModelInput, onEnd?: (end: RunEnd) => Promise<void>): Promise<StreamedRun>;
  /** Stores the user's message and an assistant message holding a run lease (agents' own routes). */
  openThreadTurn(run: AdmittedRun, userText: string): Promise<{ assistantMessageId: string; leaseId: string }>;
  /** Writes the reply into the leased message and ends the lease (`done`, else `error`). */
  closeThreadTurn(run: AdmittedRun, turn: { assistantMessageId: string; leaseId: string }, end: RunEnd): Promise<void>;
}

/** What one run sends the model: the system prompt and the conversation. */
export interface ModelInput {
  system: string;
  messages: ModelMessage[];
}

export interface StreamedRun {
  result: StreamTextResult<ToolSet, never>;
  /**
   * Call once the reply stream has ended: settles when the run is recorded and `onEnd` has run.
   * A response holds its last byte until then, so a client that reads the end of the stream finds
   * the thread written.
   */
  settle(): Promise<void>;
}

export interface RunEnd {
  outcome: RunOutcome;
  text: string;
  error?: ThreadgateError;
}

export interface AgentRunnerDeps {
  repo: AgentsRepository;
  threads: AgentThreads;
  /** What the runner asks of admission while a run goes: its model, and its share of the daily token quotas. */
  admission: Pick<RunAdmission, 'modelOf' | 'reserve' | 'charge'>;
  config: { projectId: string; agents: AgentsConfig };
  logger: Pick<Logger, 'warn' | 'error'>;
  clock: () => number;
  memory?: AgentMemory;
}

/**
 * @example
 * const runner = createAgentRunner({ repo, threads, admission, config, logger, clock: Date.now })
 * const answer = await runner.generate(run, await runner.modelInput(run, turns))
 */
export function createAgentRunner(deps: AgentRunnerDeps): AgentRunner {
  const { repo, threads, admission, config, logger, clock } = deps;
  const projectId = config.projectId;
  const limits = config.agents;
  let warnedNoMemory = false;

  async function record(run: AdmittedRun, outcome: RunOutcome, usage: Usage | null, firstTokenAt: number | null, produced: string, error?: ThreadgateError): Promise<void> {
    const { principal, agent } = run;
    try {
      await admission.charge(run, outcome, usage, produced);
      await repo.insertRun({
        id: createId('run_'),
        projectId,
        agentId: agent.id,
        userId: principal.userId,
        workspaceId: principal.workspaceId,
        threadId: run.threadId,
        route: run.route,
        providerId: agent.providerId,
        model: agent.model,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        latencyMs: Math.max(0, clock() - run.startedAt),
        firstTokenMs: firstTokenAt === null ? null : Math.max(0, firstTokenAt - run.startedAt),
        outcome,
        errorCode: error?.code ?? null,
        createdAt: run.startedAt,
      });
    } catch (failure) {
      logger.error({ err: failure, agentId: agent.id }, 'agent run could not be recorded');
    }
  }

  /** The run's model call could not even be built (its provider is gone): recorded, reservation given back. */
  async function failedToStart(run: AdmittedRun, failure: unknown): Promise<never> {
    const error = modelError(failure, run.abort.timedOut());
    await record(run, 'error', null, null, '', error);
    throw error;
  }

  /**
   * An agent that uses memory may keep a new memory of the caller (the `remember` tool), always
   * the caller's own (the memory adapter writes as the principal). No memory module: no tool.
   */
  const toolsOf = (run: AdmittedRun): { tools?: ToolSet; stopWhen?: ReturnType<typeof stepCountIs> } => {
    const memory = deps.memory;
    if (!run.agent.usesMemory || memory === undefined) return {};
    return {
      tools: {
        remember: tool({
          description: 'Remember a fact about the user for later conversations (their preferences, their situation). One short sentence.',
          inputSchema: z.object({ fact: z.string().min(1).max(2000) }),
          execute: async ({ fact }) => {
            await memory.save(run.principal, run.agent.id, fact);
            return 'remembered';
          },
        }),
      },
      stopWhen: stepCountIs(MAX_STEPS),
    };
  };

  /** What a model call of the run is given, the same for a whole answer and a stream. */
  const callOptionsOf = async (run: AdmittedRun, input: ModelInput) => ({
    model: await admission.modelOf(run),
    system: input.system,
    messages: input.messages,
    ...(run.agent.temperature !== null ? { temperature: run.agent.temperature } : {}),
    // Always bounded: the reservation counts on it (token-budget.ts).
    maxOutputTokens: run.agent.maxOutputTokens ?? limits.maxOutputTokens,
    abortSignal: run.abort.signal,
    maxRetries: 0,
    ...toolsOf(run),
  });

  const outcomeOf = (run: AdmittedRun, error: ThreadgateError | undefined): RunOutcome =>
    error === undefined ? 'done' : run.abort.timedOut() ? 'timeout' : run.abort.signal.aborted ? 'cancelled' : 'error';

  /** The definitions of a run's tools as the provider gets them, for the input's estimate. */
  const toolDefinitions = (tools: ToolSet | undefined) =>
    tools === undefined ? undefined : Object.entries(tools).map(([name, t]) => ({ name, description: t.description, parameters: asSchema(t.inputSchema).jsonSchema }));

  /** Reserves the most the run can spend (token-budget.ts) from the daily quotas (run-admission.ts). */
  const reserve = (run: AdmittedRun, input: ModelInput): Promise<void> =>
    admission.reserve(run, () => {
      const { tools } = toolsOf(run);
      const inputTokens = estimateInputTokens({ ...input, tools: toolDefinitions(tools) });
      return { inputTokens, tokens: reservationOf(inputTokens, run.agent.maxOutputTokens ?? limits.maxOutputTokens, tools === undefined ? 1 : MAX_STEPS) };
    });

  const runner: AgentRunner = {
    async listRuns({ beforeId, ...query }) {
      const anchor = beforeId === undefined ? undefined : await repo.getRun(projectId, beforeId);
      return repo.listRuns({ ...query, projectId, ...(anchor !== undefined ? { before: { createdAt: anchor.createdAt, id: anchor.id } } : {}) });
    },

    async threadHistory(principal, threadId) {
      if ((await threads.getThread(projectId, principal.workspaceId, threadId)) === undefined) throw new NotFound({ message: 'No such thread.' });
      return branchOf(await threads.listMessages({ projectId, threadId, limit: HISTORY_LIMIT }));
    },

    async modelInput(run, turns) {
      let system = fillInstructions(run.agent.instructions, run.principal);
      if (run.agent.usesMemory) {
        const query = [...turns].reverse().find((turn) => turn.role === 'user')?.text ?? '';
        if (deps.memory === undefined) {
          if (!warnedNoMemory) logger.warn({ agentId: run.agent.id }, 'agent uses memory, but no memory module is wired: it runs without memories');
          warnedNoMemory = true;
        } else if (query !== '') {
          const memories = await deps.memory.search(run.principal, run.agent.id, query, MEMORIES_PER_RUN);
          if (memories.length > 0) system += `\n\nWhat you remember about this user:\n${memories.map((m) => `- ${m}`).join('\n')}`;
        }
      }
      const input = { system, messages: toModelMessages(turns) };
      await reserve(run, input);
      return input;
    },

    async generate(run, input) {
      const { agent } = run;
      await reserve(run, input);
      const options = await callOptionsOf(run, input).catch((failure: unknown) => failedToStart(run, failure));
      try {
        const result = await generateText(options);
        const usage = { inputTokens: result.totalUsage.inputTokens ?? 0, outputTokens: result.totalUsage.outputTokens ?? 0 };
        await record(run, 'done', usage, null, result.text);
        return { text: result.text, usage, finishReason: result.finishReason };
      } catch (failure) {
        const error = modelError(failure, run.abort.timedOut());
        // Not the error object: the AI SDK's carries the request body (the user's messages).
        logger.warn({ agentId: agent.id, code: error.code, detail: error.detail }, 'agent run failed');
        await record(run, outcomeOf(run, error), null, null, '', error);
        throw error;
      }
    },

    async stream(run, input, onEnd) {
      const { agent } = run;
      let firstTokenAt: number | null = null;
      let text = '';
      /** Everything the model wrote (text and tool calls): what a run without a usage report is charged. */
      let produced = '';
      let ending: Promise<void> | undefined;
      const end = (outcome: RunOutcome, usage: Usage | null, error?: ThreadgateError): Promise<void> =>
        (ending ??= (async () => {
          await record(run, outcome, usage, firstTokenAt, produced, error);
          if (onEnd !== undefined) {
            await onEnd({ outcome, text, ...(error !== undefined ? { error } : {}) }).catch((failure) => logger.error({ err: failure, agentId: agent.id }, 'ending an agent run failed'));
          }
        })());
      await reserve(run, input);
      const options = await callOptionsOf(run, input).catch((failure: unknown) => failedToStart(run, failure));
      const result = streamText({
        ...options,
        onChunk({ chunk }) {
          if (chunk.type === 'text-delta') {
            firstTokenAt ??= clock();
            text += chunk.text;
            produced += chunk.text;
          } else if (chunk.type === 'tool-call') {
            produced += JSON.stringify(chunk.input ?? null);
          }
        },
        async onFinish({ totalUsage }) {
          await end('done', { inputTokens: totalUsage.inputTokens ?? 0, outputTokens: totalUsage.outputTokens ?? 0 });
        },
        async onError({ error: failure }) {
          const error = modelError(failure, run.abort.timedOut());
          // Not the error object: the AI SDK's carries the request body (the user's messages).
          logger.warn({ agentId: agent.id, code: error.code, detail: error.detail }, 'agent run failed');
          await end(outcomeOf(run, error), null, error);
        },
        async onAbort() {
          const error = modelError(new Error('aborted'), run.abort.timedOut());
          await end(run.abort.timedOut() ? 'timeout' : 'cancelled', null, error);
        },
      });
      // The first output decides between a JSON error and a stream. A branch of the result's
      // stream is read for it; the streams the route sends are later branches, which still hold
      // every part (the AI SDK tees its stream per reader).
      const probe = result.fullStream.getReader();
      try {
        for (;;) {
          const next = await probe.read();
          if (next.done === true) break;
          const part = next.value;
          if (part.type === 'error') throw modelError(part.error, run.abort.timedOut());
          if (part.type === 'abort') throw modelError(new Error('aborted'), run.abort.timedOut());
          if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call' || part.type === 'finish') break;
        }
      } finally {
        void probe.cancel().catch(() => undefined);
      }
      // Called once the reply stream has ended (its last part read): the callbacks above have run
      // by then, and this waits for them. A stream that ended without any (none known) still
      // ends the run, as an error.
      const settle = () => ending ?? end('error', null, modelError(new Error('the model stream ended without a finish'), run.abort.timedOut()));
      return { result: result as StreamTextResult<ToolSet, never>, settle };
    },

    async openThreadTurn(run, userText) {
      const { principal, threadId } = run;
      const newest = (await threads.listMessages({ projectId, threadId: threadId!, limit: 1 }))[0];
      const user = await threads.appendMessage({
        projectId, workspaceId: principal.workspaceId, threadId: threadId!, parentId: newest?.id ?? null,
        format: 'aui/v0', content: storedContent('user', userText), externalId: null,
      });
      if (!user.ok) throw new NotFound({ message: 'No such thread.' });
      const reply = await threads.appendMessage({
        projectId, workspaceId: principal.workspaceId, threadId: threadId!, parentId: user.message.id,
        format: 'aui/v0', content: storedContent('assistant', ''), externalId: null, openRun: true,
      });
      if (!reply.ok || reply.message.run === undefined) throw new NotFound({ message: 'No such thread.' });
      return { assistantMessageId: reply.message.id, leaseId: reply.message.run.leaseId };
    },

    async closeThreadTurn(run, turn, end) {
      const threadId = run.threadId!;
      const done = end.outcome === 'done';
      await threads.updateMessage(projectId, threadId, turn.assistantMessageId, storedContent('assistant', end.text, done ? 'complete' : 'incomplete'), turn.leaseId);
      await threads.endRun(projectId, threadId, turn.leaseId, done ? 'done' : end.outcome === 'cancelled' ? 'cancelled' : 'error');
    },
  };
  return runner;
}
