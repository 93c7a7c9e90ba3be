import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deepFreeze } from '../src/deep-freeze.js';

describe('deepFreeze', () => {
  it('freezes objects and arrays at every depth and returns the value itself', () => {
    const value = { id: 'k1', agents: ['a', { nested: ['b'] }], meta: { at: 1, inner: { deep: true } } };
    assert.equal(deepFreeze(value), value);
    assert.ok(Object.isFrozen(value) && Object.isFrozen(value.agents) && Object.isFrozen(value.agents[1]));
    assert.ok(Object.isFrozen((value.agents[1] as { nested: string[] }).nested) && Object.isFrozen(value.meta.inner));
    assert.throws(() => (value.agents as unknown[]).push('c'), TypeError);
  });

  it('descends into a container that is already frozen', () => {
    const inner = { x: [1] };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    assert.ok(Object.isFrozen(inner) && Object.isFrozen(inner.x));
  });

  it('passes primitives and null through', () => {
    for (const value of [1, 'a', null, undefined, true]) assert.equal(deepFreeze(value), value);
  });
});
