/**
 * The headers every response carries (src/http/middleware/standard-headers.ts, src/http/respond.ts),
 * through a real @hono/node-server listener, where responses keep their headers as plain objects:
 * API security headers on every JSON and empty answer (success, error, not found), Hono's browser
 * set on the HTML page, CORS for any origin or a listed one, Hono's own preflight, and the token a
 * user token is exchanged for on every answer but a 401.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signUserToken } from '../../../src/auth/sign-user-token.js';
import { API_SECURITY_HEADERS, PAGE_SECURITY_HEADERS } from '../../../src/http/middleware/standard-headers.js';
import { TEST_ADMIN_KEY } from '../../helpers/server-process.js';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';

function assertApiSecurityHeaders(res: Response, what: string): void {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
    if (name === 'Cache-Control') continue;
    assert.equal(res.headers.get(name), value, `${what}: ${name}`);
  }
}

describe('standard headers, any origin', () => {
  let t: ListeningServer;
  before(async () => {
    t = await startListeningServer({ THREADGATE_CORS_ORIGINS: '*' });
  });
  after(async () => t.stop());

  it('a JSON success carries the API security headers, no-store and CORS', async () => {
    const res = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${t.token}`, Origin: 'https://app.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assertApiSecurityHeaders(res, '200');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /(^|,)Authorization(,|$)/);
    assert.equal(res.headers.get('vary'), null, 'the answer does not depend on the origin');
    assert.equal(((await res.json()) as { user_id: string }).user_id, 'u1');
  });

  it('errors, unknown routes and empty answers carry them too', async () => {
    const unauthenticated = await fetch(`${t.url}/v1/threads`);
    assert.equal(unauthenticated.status, 401);
    assertApiSecurityHeaders(unauthenticated, '401');
    assert.match(unauthenticated.headers.get('www-authenticate') ?? '', /^Bearer realm="threadgate"/);
    const missing = await fetch(`${t.url}/v1/nothing-here`, { headers: { Authorization: `Bearer ${t.token}` } });
    assert.equal(missing.status, 404);
    assertApiSecurityHeaders(missing, '404');
    assert.equal(missing.headers.get('access-control-allow-origin'), '*');
    const created = await fetch(`${t.url}/v1/threads`, { method: 'POST', headers: { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json' }, body: '{}' });
    const { thread_id } = (await created.json()) as { thread_id: string };
    const deleted = await fetch(`${t.url}/v1/threads/${thread_id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${t.token}` } });
    assert.equal(deleted.status, 204);
    assertApiSecurityHeaders(deleted, '204');
    assert.equal(deleted.headers.get('content-type'), null);
  });

  it('a route keeps its own Cache-Control (the JWKS is cacheable)', async () => {
    const res = await fetch(`${t.url}/.well-known/jwks.json`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    assertApiSecurityHeaders(res, 'jwks');
  });

  it("the HTML page carries Hono's browser set instead", async () => {
    const res = await fetch(`${t.url}/ui`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, name);
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.notEqual(res.headers.get('cache-control'), 'no-store');
    await res.text();
  });

  it("preflights are Hono's cors middleware, with the security headers", async () => {
    const res = await fetch(`${t.url}/v1/threads`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(res.headers.get('access-control-max-age'), '600');
    assertApiSecurityHeaders(res, 'preflight');
  });

  it('two Authorization headers read as one malformed value, never as the first one', async () => {
    // fetch would join them before sending; write the request by hand so both arrive.
    const { connect } = await import('node:net');
    const port = Number(new URL(t.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 401 /);
    assert.match(answer, /"error":"invalid_token"/);
  });
});

describe('standard headers, listed origins', () => {
  let t: ListeningServer;
  before(async () => {
    t = await startListeningServer({ THREADGATE_CORS_ORIGINS: 'https://a.example,https://b.example' });
  });
  after(async () => t.stop());

  it('echoes a listed origin, names none for others, and varies on Origin', async () => {
    for (const origin of ['https://a.example', 'https://b.example']) {
      const res = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${t.token}`, Origin: origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.equal(res.headers.get('vary'), 'Origin');
      await res.text();
    }
    for (const headers of [{ Origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const res = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${t.token}`, ...headers } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      assert.equal(res.headers.get('vary'), 'Origin');
      assertApiSecurityHeaders(res, 'unlisted origin');
      await res.text();
    }
  });
});

describe('standard headers with a user token', () => {
  let t: ListeningServer;
  let userToken: string;
  before(async () => {
    t = await startListeningServer({ THREADGATE_CORS_ORIGINS: '*' });
    const created = await fetch(`${t.url}/admin/v1/auth-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'app' }),
    });
    const key = (await created.json()) as { id: string; secret: string };
    userToken = await signUserToken({ keyId: key.id, secret: key.secret, sub: 'u2' });
  });
  after(async () => t.stop());

  it('every answer but a 401 carries the exchanged workspace token, the same one while it is fresh', async () => {
    const first = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${userToken}` } });
    assert.equal(first.status, 200);
    const exchanged = first.headers.get('authorization');
    assert.match(exchanged ?? '', /^Bearer ey/);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assertApiSecurityHeaders(first, 'exchanged');
    const second = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${userToken}` } });
    assert.equal(second.headers.get('authorization'), exchanged, 'not signed again for every request');
    const missing = await fetch(`${t.url}/v1/threads/thread_missing`, { headers: { Authorization: `Bearer ${userToken}` } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('authorization'), exchanged);
    // The exchanged token works on its own.
    const me = await fetch(`${t.url}/v1/me`, { headers: { Authorization: exchanged! } });
    assert.equal(((await me.json()) as { user_id: string }).user_id, 'u2');
    const refused = await fetch(`${t.url}/v1/me`, { headers: { Authorization: `Bearer ${userToken}x` } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('authorization'), null);
    await Promise.all([first.text(), second.text(), missing.text(), refused.text()]);
  });
});
