/**
 * What a run reserves (docs/agents.md#the-token-quotas-are-a-bound): a token per byte of input
 * plus the template's overhead, and the output bound per model call, growing per tool round.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_OVERHEAD, MESSAGE_OVERHEAD, TOOL_ROUND_OVERHEAD, estimateInputTokens, estimateOutputTokens, reservationOf } from '../../../src/modules/agents/token-budget.js';

describe('token budget', () => {
  it('token budget – counts the input at a token per UTF-8 byte, plus the overhead of each message and of the call', () => {
    assert.equal(estimateInputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }), CALL_OVERHEAD + 2 * MESSAGE_OVERHEAD + 9 + 2);
    // "é" is 2 bytes, "語" 3, an emoji 4: a byte-level tokenizer makes at most that many tokens.
    assert.equal(estimateInputTokens({ system: '', messages: [{ role: 'user', content: 'é語😀' }] }), CALL_OVERHEAD + 2 * MESSAGE_OVERHEAD + 9);
    assert.equal(estimateInputTokens({ system: '', messages: [] }), CALL_OVERHEAD + MESSAGE_OVERHEAD);
  });

  it('token budget – counts the tools\' definitions and structured content as the JSON sent', () => {
    const tools = [{ name: 'remember', description: 'Remember a fact.', parameters: { type: 'object' } }];
    assert.equal(estimateInputTokens({ system: '', messages: [], tools }) - estimateInputTokens({ system: '', messages: [] }), Buffer.byteLength(JSON.stringify(tools)));
    const content = [{ type: 'text' as const, text: 'hi' }];
    assert.equal(estimateInputTokens({ system: '', messages: [{ role: 'user', content }] }), CALL_OVERHEAD + 2 * MESSAGE_OVERHEAD + Buffer.byteLength(JSON.stringify(content)));
  });

  it('token budget – reserves input and output for one call, and each further call\'s grown input and output', () => {
    assert.equal(reservationOf(100, 50, 1), 150);
    assert.equal(reservationOf(100, 50, 2), 150 + (100 + 50 + TOOL_ROUND_OVERHEAD) + 50);
    assert.equal(reservationOf(100, 50, 3), reservationOf(100, 50, 2) + (100 + 2 * (50 + TOOL_ROUND_OVERHEAD)) + 50);
  });

  it('token budget – bounds unreported output at a token per byte', () => {
    assert.equal(estimateOutputTokens('You said: '), 10);
    assert.equal(estimateOutputTokens('語'), 3);
  });
});
