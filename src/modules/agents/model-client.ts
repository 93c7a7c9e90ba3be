/**
 * Model calls, through the AI SDK: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM,
 * llama.cpp's server, LM Studio, OpenRouter, Groq...) is `@ai-sdk/openai-compatible`'s chat model.
 * Nothing here speaks the provider's protocol by hand.
 *
 * Also: how a failed call is told to the client (`model_unavailable` 502, `model_timeout` 504),
 * with a public message that never carries the provider's answer (it may echo a key or a prompt).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type LanguageModel } from 'ai';
import { ModelTimeout, ModelUnavailable, ThreadgateError } from '../../errors.js';

export interface ProviderEndpoint {
  id: string;
  baseUrl: string;
  /** In clear, opened from its sealed form just for the call; null: no Authorization header. */
  apiKey: string | null;
}

/**
 * @example
 * const model = languageModelFor({ id: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: null }, 'llama3.2')
 */
export function languageModelFor(endpoint: ProviderEndpoint, model: string): LanguageModel {
  return providerFor(endpoint)(model);
}

/**
 * The provider's model factory (an AI SDK provider): build it once per stored provider version,
 * then ask it for each model.
 */
export function providerFor(endpoint: ProviderEndpoint): (model: string) => LanguageModel {
  const provider = createOpenAICompatible({
    name: endpoint.id,
    baseURL: endpoint.baseUrl,
    ...(endpoint.apiKey !== null ? { apiKey: endpoint.apiKey } : {}),
    // Token counts of streamed answers (`stream_options.include_usage`): the daily quotas need them.
    includeUsage: true,
  });
  return (model) => provider.chatModel(model);
}

/** Why a run stopped early: the client left, the run timeout fired, or the run was cancelled. */
export interface RunAbort {
  signal: AbortSignal;
  /** True once the run's own timeout fired (rather than the client going away). */
  timedOut(): boolean;
  /** Stops the run's model call (what the run was for failed meanwhile, e.g. storing its turn). */
  cancel(): void;
}

/**
 * The run's signal: the client's (a disconnect aborts the upstream call), the run timeout, and
 * the run's own cancel().
 *
 * @example
 * const abort = runAbort(c.req.raw.signal, 120_000)
 */
export function runAbort(clientSignal: AbortSignal, timeoutMs: number): RunAbort {
  const timeout = AbortSignal.timeout(timeoutMs);
  const own = new AbortController();
  return { signal: AbortSignal.any([clientSignal, timeout, own.signal]), timedOut: () => timeout.aborted, cancel: () => own.abort() };
}

/**
 * The error a client gets for a failed model call. The provider's own text goes to `detail`
 * (logged), never to the public message.
 */
export function modelError(error: unknown, timedOut: boolean): ThreadgateError {
  if (error instanceof ThreadgateError) return error;
  if (timedOut) return new ModelTimeout({ message: 'The model did not finish within the run timeout.', cause: error });
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const status = APICallError.isInstance(error) ? error.statusCode : undefined;
  const message = status !== undefined
    ? `The model provider answered ${status}.`
    : APICallError.isInstance(error) ? 'The model provider could not be reached.' : 'The model provider\'s answer could not be read.';
  return new ModelUnavailable({ message, detail, cause: error });
}
