/**
 * Authentication keys (SPEC 2.3): ids and secrets of the documented shape, the secret sealed at
 * rest for its own purpose and shown once, input validation that changes nothing, deletion. And
 * `signUserToken`, the helper for app backends, whose tokens the verifier accepts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import {
  AUTH_KEY_PURPOSE,
  createAuthKey,
  isAuthKeyId,
  loadAuthKey,
  looksLikeAuthKeyId,
} from '../../src/auth/auth-key.js';
import { SIGNING_KEY_PURPOSE } from '../../src/auth/keyring.js';
import { parseDurationSeconds, signUserToken } from '../../src/auth/sign-user-token.js';
import { verifyUserToken } from '../../src/auth/user-token.js';
import { signUserToken as publicSignUserToken } from '../../src/index.js';
import { createSessionFixture, type SessionFixture } from '../fixtures/session-deps.js';
import { createTestConfig } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

describe('authentication keys', () => {
  let f: SessionFixture;
  before(async () => (f = await createSessionFixture()));
  after(async () => f.close());

  const create = (input: { name: unknown; agents?: unknown; projectId?: string }) =>
    createAuthKey(f.deps.store, f.deps.secretBox, { projectId: 'default', ...input } as never, f.deps.clock);

  it('creates an ak_ id and an sk-tg- secret of 32 random bytes, different every time', async () => {
    const a = await create({ name: 'a' });
    const b = await create({ name: 'b' });
    assert.match(a.record.id, /^ak_[0-9a-z]{26}$/);
    assert.match(a.secret, /^sk-tg-[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.secret.slice(6), 'base64url').length, 32);
    assert.notEqual(a.record.id, b.record.id);
    assert.notEqual(a.secret, b.secret);
    assert.equal(a.record.createdAt, f.deps.clock.now);
    assert.ok(isAuthKeyId(a.record.id));
    assert.ok(looksLikeAuthKeyId(a.record.id));
  });

  it('stores the secret sealed for the auth-key purpose only, and loadAuthKey opens it to its UTF-8 bytes', async () => {
    const { record, secret } = await create({ name: 'sealed' });
    const stored = await f.deps.store.getAuthKey('default', record.id);
    assert.ok(stored);
    assert.ok(!stored.secretEncrypted.includes(secret) && !stored.secretEncrypted.includes(secret.slice(6)));
    assert.equal(f.deps.secretBox.open(stored.secretEncrypted, AUTH_KEY_PURPOSE), secret);
    assert.throws(() => f.deps.secretBox.open(stored.secretEncrypted, SIGNING_KEY_PURPOSE), 'not usable as a signing key');
    const loaded = await loadAuthKey(f.deps.store, f.deps.secretBox, record.id);
    assert.deepEqual(loaded?.secret, new TextEncoder().encode(secret));
    assert.equal(loaded?.record.id, record.id);
    assert.equal(await loadAuthKey(f.deps.store, f.deps.secretBox, 'ak_00000000000000000000000000'), undefined);
    for (const kid of [undefined, 42, '', 'key_1', `${record.id}/`]) {
      assert.equal(await loadAuthKey(f.deps.store, f.deps.secretBox, kid), undefined, String(kid));
    }
  });

  it('keeps agents: "all" by default, a de-duplicated list otherwise; trims the name', async () => {
    assert.equal((await create({ name: 'x' })).record.agents, 'all');
    assert.deepEqual((await create({ name: 'x', agents: ['a', 'b', 'a'] })).record.agents, ['a', 'b']);
    assert.equal((await create({ name: '  padded  ' })).record.name, 'padded');
  });

  it('refuses a bad name or agent list with validation_error naming the field, and stores nothing', async () => {
    const before = (await f.deps.store.listAuthKeys('default')).length;
    for (const name of ['', '   ', 'x'.repeat(201), 42, null, undefined]) {
      await expectError(() => create({ name }), 'validation_error', { field: 'name', message: JSON.stringify(name) });
    }
    for (const agents of ['some', [], [''], [7], ['a'.repeat(129)], Array.from({ length: 1001 }, (_, i) => `a${i}`), {}, null]) {
      await expectError(() => create({ name: 'ok', agents }), 'validation_error', { field: 'agents', message: JSON.stringify(agents).slice(0, 40) });
    }
    assert.equal((await f.deps.store.listAuthKeys('default')).length, before);
  });

  it('lists within the project, newest first; deletes within the project only', async () => {
    const mine = await create({ name: 'mine', projectId: 'p-auth-1' });
    const newer = await create({ name: 'newer', projectId: 'p-auth-1' });
    const theirs = await create({ name: 'theirs', projectId: 'p-auth-2' });
    assert.deepEqual((await f.deps.store.listAuthKeys('p-auth-1')).map((k) => k.id), [newer.record.id, mine.record.id]);
    assert.equal(await f.deps.store.deleteAuthKey('p-auth-1', theirs.record.id), false);
    assert.equal(await f.deps.store.deleteAuthKey('p-auth-1', mine.record.id), true);
    assert.equal(await f.deps.store.deleteAuthKey('p-auth-1', mine.record.id), false);
    assert.deepEqual((await f.deps.store.listAuthKeys('p-auth-1')).map((k) => k.id), [newer.record.id]);
    assert.equal(await loadAuthKey(f.deps.store, f.deps.secretBox, mine.record.id), undefined);
    assert.ok(await loadAuthKey(f.deps.store, f.deps.secretBox, theirs.record.id));
  });

  it('a key of another project yields principals of that project', async () => {
    const { record, secret } = await create({ name: 'tenant', projectId: 'p-tenant' });
    const token = await signUserToken({ keyId: record.id, secret, sub: 'alice', now: f.deps.clock.now });
    const principal = await verifyUserToken({ store: f.deps.store, secretBox: f.deps.secretBox, config: f.deps.config, clock: f.deps.clock }, token);
    assert.equal(principal.projectId, 'p-tenant');
  });
});

describe('signUserToken', () => {
  let f: SessionFixture;
  let keyId: string;
  let secret: string;
  before(async () => {
    f = await createSessionFixture();
    ({ record: { id: keyId }, secret } = await createAuthKey(f.deps.store, f.deps.secretBox, { projectId: 'default', name: 'backend' }, f.deps.clock));
  });
  after(async () => f.close());

  const verify = (token: string, config = f.deps.config) => verifyUserToken({ store: f.deps.store, secretBox: f.deps.secretBox, config, clock: f.deps.clock }, token);

  it('signs HS256 with the kid, sub, iat and exp (one hour by default), which the verifier accepts', async () => {
    const token = await publicSignUserToken({ keyId, secret, sub: 'alice', now: f.deps.clock.now });
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT', kid: keyId });
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.exp! - claims.iat!, 3600);
    const principal = await verify(token);
    assert.equal(principal.userId, 'alice');
    assert.equal(principal.workspaceId, 'alice');
  });

  it('puts the workspace in workspace_id or the configured claim, and passes extra claims', async () => {
    const token = await signUserToken({ keyId, secret, sub: 'bob', workspaceId: 'org1_bob', claims: { scope: 'threads:read', email: 'b@example.com' }, expiresIn: '15m', now: f.deps.clock.now });
    const principal = await verify(token);
    assert.equal(principal.workspaceId, 'org1_bob');
    assert.deepEqual([...principal.scopes], ['threads:read']);
    assert.equal(decodeJwt(token).exp! - decodeJwt(token).iat!, 900);
    const custom = await signUserToken({ keyId, secret, sub: 'bob', workspaceId: 'acme', workspaceClaim: 'org_id', now: f.deps.clock.now });
    assert.equal((await verify(custom, createTestConfig({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: 'org_id' }))).workspaceId, 'acme');
  });

  it('an expired token from it is refused like any other', async () => {
    const token = await signUserToken({ keyId, secret, sub: 'alice', expiresIn: 60, now: f.deps.clock.now - 120_000 });
    await expectError(() => verify(token), 'token_expired');
  });

  it('throws TypeError on misuse', async () => {
    const base = { keyId, secret, sub: 'alice' };
    for (const bad of [
      { ...base, keyId: 'key_1' },
      { ...base, keyId: '' },
      { ...base, secret: '' },
      { ...base, sub: '' },
      { ...base, workspaceId: '' },
      { ...base, claims: { sub: 'admin' } },
      { ...base, claims: { exp: 1 } },
      { ...base, expiresIn: '24 hours' },
      { ...base, expiresIn: 0 },
      { ...base, expiresIn: -5 },
      { ...base, expiresIn: 1.5 },
    ]) {
      await assert.rejects(signUserToken(bad as never), TypeError, JSON.stringify(bad));
    }
  });

  it('parses durations in s, m, h and d, from 1 second to 366 days', () => {
    assert.equal(parseDurationSeconds('30s'), 30);
    assert.equal(parseDurationSeconds('15m'), 900);
    assert.equal(parseDurationSeconds('24h'), 86_400);
    assert.equal(parseDurationSeconds('7d'), 604_800);
    assert.equal(parseDurationSeconds(90), 90);
    for (const bad of ['', '24', '1w', '1.5h', '-1h', '0s', '367d', 'h', ' 1h', '1h ', '1H', Infinity, Number.NaN]) {
      assert.throws(() => parseDurationSeconds(bad), TypeError, String(bad));
    }
  });
});
