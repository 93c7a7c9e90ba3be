/**
 * Token inspection explains acceptance and refusal step by step, from the real verification, and
 * never returns the token or a key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { expectError } from '../helpers/error-contract.js';

describe('token inspection', () => {
  let t: TestApp;
  before(async () => (t = await createTestApp()));
  after(async () => t.close());

  const inspect = (body: Record<string, string>) => t.call('POST', '/admin/v1/tokens/inspect', { token: TEST_ADMIN_KEY, body });
  const checks = (steps: Array<{ check: string; ok: boolean }>) => steps.map((s) => `${s.check}:${s.ok ? 'ok' : 'FAIL'}`);

  it('walks an accepted workspace token through every check', async () => {
    const token = await t.tokenFor('gina', 'w-gina');
    const res = await inspect({ token });
    assert.equal(res.status, 200);
    assert.equal(res.body.accepted, true);
    assert.equal(res.body.principal.user_id, 'gina');
    assert.equal(res.body.header.alg, 'ES256');
    assert.equal(res.body.claims.workspace_id, 'w-gina');
    assert.deepEqual(checks(res.body.steps), [
      'well-formed:ok', 'credential path:ok', 'algorithm allowed:ok', 'signing key found:ok', 'signature valid:ok',
      'not expired (exp):ok', 'issued in the past (iat):ok', 'not revoked:ok',
    ]);
    assert.ok(!JSON.stringify(res.body).includes(token));
  });

  it('stops at the failing check of a tampered token', async () => {
    const [h, p, s] = (await t.tokenFor('gina', 'w')).split('.') as [string, string, string];
    const forged = `${h}.${p}.${s.slice(0, -6)}AAAAAA`;
    const res = await inspect({ token: forged });
    assert.equal(res.body.accepted, false);
    assert.equal(res.body.error.code, 'invalid_signature');
    assert.deepEqual(checks(res.body.steps).slice(-2), ['signing key found:ok', 'signature valid:FAIL']);
  });

  it('explains an API key without echoing it', async () => {
    const key = (await t.call('POST', '/admin/v1/api-keys', { token: TEST_ADMIN_KEY, body: { name: 'k' } })).body.key as string;
    const missingHeaders = await inspect({ token: key });
    assert.equal(missingHeaders.body.accepted, false);
    assert.equal(missingHeaders.body.error.code, 'validation_error');
    const ok = await inspect({ token: key, user_id: 'u', workspace_id: 'w' });
    assert.equal(ok.body.accepted, true);
    assert.equal(ok.body.principal.source, 'api_key');
    assert.equal(ok.body.header, null);
    assert.ok(!JSON.stringify(ok.body).includes(key));
  });

  it('explains garbage as malformed, and needs the admin key', async () => {
    const res = await inspect({ token: 'garbage' });
    assert.equal(res.body.accepted, false);
    assert.equal(res.body.error.code, 'invalid_token');
    assert.deepEqual(checks(res.body.steps), ['well-formed:FAIL']);
    expectError(await t.call('POST', '/admin/v1/tokens/inspect', { body: { token: 'x' } }), 401, 'authentication_required');
  });
});
