/**
 * How many model tokens a run may spend at most, known before the model is called: what a run
 * reserves from the daily token quotas (docs/agents.md#cost-limits).
 *
 * The input is counted at one token per byte of its UTF-8 text. A byte-level tokenizer (OpenAI's,
 * Llama 3's, Qwen's, Mistral's...) never makes more tokens than bytes: every token stands for one
 * byte or more. Chat templates add a few tokens per message and per call (role headers, a default
 * system header); MESSAGE_OVERHEAD and CALL_OVERHEAD cover them. The output is bounded by the
 * `max_tokens` sent with every call. So the reservation is an upper bound of what the provider
 * counts, except for a tokenizer that makes more tokens than bytes (none we know of).
 */
import type { ModelMessage } from 'ai';

/** Tokens a chat template adds per message (role header and end), at most. */
export const MESSAGE_OVERHEAD = 16;
/** Tokens a chat template adds per model call (the reply's header, a default system header), at most. */
export const CALL_OVERHEAD = 64;
/**
 * Tokens a tool round adds to the next step's input besides the tool call itself (already counted
 * as the step's output): the tool's result message ("remembered") and the two messages' overhead.
 */
export const TOOL_ROUND_OVERHEAD = 64;

const encoder = new TextEncoder();
const bytesOf = (text: string): number => encoder.encode(text).length;

/**
 * The most tokens one model call's input can count: the system prompt, the messages and the tools'
 * definitions, at one token per byte, plus the template overhead.
 *
 * @example
 * estimateInputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }) // 9 + 2 + 16 * 2 + 64
 */
export function estimateInputTokens(input: { system: string; messages: readonly ModelMessage[]; tools?: unknown }): number {
  let tokens = CALL_OVERHEAD + MESSAGE_OVERHEAD + bytesOf(input.system);
  for (const message of input.messages) {
    tokens += MESSAGE_OVERHEAD + (typeof message.content === 'string' ? bytesOf(message.content) : bytesOf(JSON.stringify(message.content)));
  }
  if (input.tools !== undefined) tokens += bytesOf(JSON.stringify(input.tools));
  return tokens;
}

/**
 * The most a run of `steps` model calls can spend: each call at most `maxOutputTokens` out, and each
 * step's input the first one's plus the rounds before it (their output and the tool's result).
 * For steps = 1: input + output.
 *
 * @example
 * reservationOf(100, 50, 1) // 150
 * reservationOf(100, 50, 2) // 150 + (100 + 50 + 64) + 50
 */
export function reservationOf(inputTokens: number, maxOutputTokens: number, steps: number): number {
  let total = 0;
  for (let step = 0; step < steps; step += 1) total += inputTokens + step * (maxOutputTokens + TOOL_ROUND_OVERHEAD) + maxOutputTokens;
  return total;
}

/** An upper bound of the tokens of text a model produced (one per byte), when it reported none. */
export function estimateOutputTokens(text: string): number {
  return bytesOf(text);
}
