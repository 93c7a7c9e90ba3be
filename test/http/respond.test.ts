import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { fixedJson, sendJson } from '../../src/http/respond.js';

describe('fixedJson', () => {
  it('freezes the value all the way down, so its kept JSON text cannot go stale', () => {
    const value = fixedJson({ user_id: 'u1', scopes: ['threads:read'], nested: { agents: ['a'] }, expires_at: null });
    assert.ok(Object.isFrozen(value));
    assert.ok(Object.isFrozen(value.scopes));
    assert.ok(Object.isFrozen(value.nested.agents));
    assert.throws(() => (value.scopes as string[]).push('threads:write'), TypeError);
    assert.throws(() => {
      (value as { user_id: string }).user_id = 'admin';
    }, TypeError);
  });

  it('is sent as exactly what JSON.stringify makes of it, every time', async () => {
    const body = fixedJson({ user_id: 'u1', scopes: ['threads:read', 'threads:write'], anonymous: false, expires_at: null });
    const app = new Hono();
    app.get('/fixed', (c) => sendJson(c, body, 200));
    app.get('/plain', (c) => sendJson(c, { user_id: 'u2' }, 200));
    for (let i = 0; i < 2; i++) {
      const res = await app.request('/fixed');
      assert.equal(await res.text(), JSON.stringify(body));
      assert.equal(res.headers.get('Content-Type'), 'application/json');
    }
    assert.equal(await (await app.request('/plain')).text(), '{"user_id":"u2"}', 'any other value is serialized as it is sent');
  });
});
