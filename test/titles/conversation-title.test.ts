import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConversationTitleGenerator, DEFAULT_TITLE_LENGTH, FALLBACK_TITLE, titleFromConversation } from '../../src/titles/conversation-title.js';

const user = (...texts: string[]) => ({ role: 'user', texts });
const assistant = (...texts: string[]) => ({ role: 'assistant', texts });

describe('conversation title', () => {
  it('is the first user message when it fits', () => {
    assert.equal(titleFromConversation([assistant('Hi! How can I help?'), user('Plan a trip to Lisbon'), user('later')]), 'Plan a trip to Lisbon');
  });

  it('collapses whitespace and control characters (NUL included) and trims', () => {
    assert.equal(titleFromConversation([user('  Plan\n\n a\ttrip\u0000to   Lisbon  ')]), 'Plan a trip to Lisbon');
    assert.equal(titleFromConversation([user('first part', 'second part')]), 'first part second part');
  });

  it('cuts at a word boundary within the length, marking the cut', () => {
    const title = titleFromConversation([user('What is the capital of France and why did it move there?')], 20);
    assert.equal(title, 'What is the capital…');
    assert.ok(Array.from(title).length <= 20);
    const long = titleFromConversation([user('word '.repeat(100))]);
    assert.ok(Array.from(long).length <= DEFAULT_TITLE_LENGTH, long);
    assert.ok(long.endsWith('word…'), long);
  });

  it('drops punctuation left dangling by the cut', () => {
    assert.equal(titleFromConversation([user('Hello there, general Kenobi of the republic')], 14), 'Hello there…');
  });

  it('cuts inside a word longer than the length', () => {
    const title = titleFromConversation([user('a'.repeat(200))], 10);
    assert.equal(title, `${'a'.repeat(9)}…`);
  });

  it('never splits an emoji or a combined character', () => {
    const title = titleFromConversation([user('👩‍👩‍👧'.repeat(30))], 10);
    assert.equal(title, `${'👩‍👩‍👧'.repeat(9)}…`);
  });

  it('falls back to the first message with text, then to a fixed title', () => {
    assert.equal(titleFromConversation([user(''), assistant('A picture of a cat')]), 'A picture of a cat');
    assert.equal(titleFromConversation([user('   '), assistant()]), FALLBACK_TITLE);
    assert.equal(titleFromConversation([]), FALLBACK_TITLE);
  });

  it('the generator yields the title', async () => {
    const pieces: string[] = [];
    for await (const piece of createConversationTitleGenerator({ maxLength: 12 }).generateTitle({ threadId: 't', messages: [user('one two three four')], signal: new AbortController().signal })) {
      pieces.push(piece);
    }
    assert.deepEqual(pieces, ['one two…']);
  });
});
