import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { sendJson } from '../../src/http/respond.js';

describe('sendJson', () => {
  it('sends exactly what JSON.stringify makes of the body, as application/json, every time', async () => {
    const body = { user_id: 'u1', scopes: ['threads:read', 'threads:write'], anonymous: false, expires_at: null };
    const app = new Hono();
    app.get('/json', (c) => sendJson(c, body, 200));
    for (let i = 0; i < 2; i++) {
      const res = await app.request('/json');
      assert.equal(await res.text(), JSON.stringify(body));
      assert.equal(res.headers.get('Content-Type'), 'application/json');
    }
    body.user_id = 'u2';
    assert.equal(await (await app.request('/json')).text(), JSON.stringify(body), 'a changed value is sent as it is now');
  });
});
