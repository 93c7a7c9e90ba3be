import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createAnonymousSession } from '../../src/auth/anonymous.js';
import { createApiKey } from '../../src/auth/api-key.js';
import { createAuthenticator, CREDENTIAL_PATHS, type AuthenticateInput, type Authenticator } from '../../src/auth/authenticate.js';
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { b64u, craftEs256 } from '../fixtures/jws.js';
import { createSessionFixture, type SessionFixture } from '../fixtures/session-deps.js';
import { expectError } from '../helpers/error-contract.js';

describe('authenticate', () => {
  let f: SessionFixture;
  let auth: Authenticator;
  let apiKey: string;
  let apiKeyId: string;
  before(async () => {
    f = await createSessionFixture();
    auth = createAuthenticator({ store: f.deps.store, keyring: f.deps.keyring, config: f.deps.config, clock: f.deps.clock });
    const created = await createApiKey(f.deps.store, { projectId: 'default', name: 'backend', agents: ['agent-a'] });
    apiKey = created.key;
    apiKeyId = created.record.id;
  });
  after(async () => f.close());

  const bearer = (token: string, headers: { userIdHeader?: string; workspaceIdHeader?: string } = {}) =>
    auth.authenticate({ authorization: `Bearer ${token}`, userIdHeader: headers.userIdHeader, workspaceIdHeader: headers.workspaceIdHeader });
  const mintFor = (credential: { source: 'api_key' | 'anonymous' | 'workspace_token'; id: string }, userId = 'alice') =>
    mintWorkspaceToken(f.deps.keyring, f.deps.config, { projectId: 'default', userId, workspaceId: `ws-${userId}`, scopes: ALL_SCOPES, agents: 'all', anonymous: false, credential }, f.deps.clock);

  it('keeps the dispatch a table: api key, workspace token, user token, auth rule, unknown issuer', () => {
    assert.deepEqual(CREDENTIAL_PATHS.map((path) => path.name), ['api_key', 'workspace_token', 'user_token', 'auth_rule', 'unknown_issuer']);
  });

  it('no credential is no principal', async () => {
    assert.equal(await auth.authenticate({ authorization: undefined, userIdHeader: 'alice', workspaceIdHeader: 'ws' }), undefined);
  });

  it('a malformed Authorization header or a non-token is invalid_token and is not echoed', async () => {
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer  x', '']) {
      await expectError(() => auth.authenticate({ authorization, userIdHeader: undefined, workspaceIdHeader: undefined }), 'invalid_token');
    }
    for (const token of ['not.a.jwt-secret-value', 'garbage-secret', 'a.b', 'tg_rt_' + 'A'.repeat(43)]) {
      await expectError(() => bearer(token), 'invalid_token', { secrets: [token] });
    }
  });

  it('an API key acts for the user and workspace in the headers, which are required', async () => {
    const principal = await bearer(apiKey, { userIdHeader: 'alice', workspaceIdHeader: 'ws-alice' });
    assert.equal(principal?.source, 'api_key');
    assert.equal(principal?.userId, 'alice');
    assert.equal(principal?.workspaceId, 'ws-alice');
    assert.deepEqual(principal?.agents, ['agent-a']);
    await expectError(() => bearer(apiKey, { workspaceIdHeader: 'ws-alice' }), 'validation_error', { field: 'Aui-User-Id' });
    await expectError(() => bearer(apiKey, { userIdHeader: 'alice' }), 'validation_error', { field: 'Aui-Workspace-Id' });
    await expectError(() => bearer(`tg_sk_${'A'.repeat(43)}`, { userIdHeader: 'a', workspaceIdHeader: 'w' }), 'invalid_api_key');
  });

  it('a workspace token with our issuer is verified, then checked for revocation', async () => {
    const { token } = await mintFor({ source: 'workspace_token', id: 'test' });
    const principal = await bearer(token);
    assert.equal(principal?.source, 'workspace_token');
    assert.equal(principal?.userId, 'alice');
  });

  it('a workspace token minted from an API key dies when the key is revoked', async () => {
    const { record, key } = await createApiKey(f.deps.store, { projectId: 'default', name: 'short-lived' });
    const { token } = await mintFor({ source: 'api_key', id: record.id });
    assert.ok(await bearer(token));
    assert.ok(await bearer(key, { userIdHeader: 'alice', workspaceIdHeader: 'ws-alice' }));
    await f.deps.store.revokeApiKey('default', record.id, f.deps.clock.now);
    await expectError(() => bearer(token), 'token_revoked');
    await expectError(() => bearer(key, { userIdHeader: 'alice', workspaceIdHeader: 'ws-alice' }), 'invalid_api_key');
    assert.ok(await bearer((await mintFor({ source: 'api_key', id: apiKeyId })).token), 'other keys are untouched');
  });

  it('an anonymous access token dies with its session; any token dies with a user revocation', async () => {
    const session = await createAnonymousSession(f.deps);
    const principal = await bearer(session.access_token);
    assert.equal(principal?.anonymous, true);
    await f.deps.store.revokeRefreshFamily('default', principal!.credentialId, f.deps.clock.now);
    await expectError(() => bearer(session.access_token), 'token_revoked');

    const { token } = await mintFor({ source: 'workspace_token', id: 'test' }, 'dave');
    assert.ok(await bearer(token));
    f.deps.clock.advance(1000);
    await f.deps.store.revokeUserTokens('default', 'dave', f.deps.clock.now);
    await expectError(() => bearer(token), 'token_revoked');
    assert.ok(await bearer((await mintFor({ source: 'workspace_token', id: 'test' }, 'dave')).token), 'new tokens work again');
  });

  it('a token claiming our issuer is fully verified: no falling through to another path', async () => {
    const { token } = await mintFor({ source: 'workspace_token', id: 'test' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = b64u({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' });
    await expectError(() => bearer(`${h}.${forged}.${s}`), 'invalid_signature');
    const kid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid;
    await expectError(() => bearer(`${b64u({ alg: 'none', kid, typ: 'at+jwt' })}.${p}.`), 'invalid_token');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    await expectError(() => bearer(craftEs256({ alg: 'ES256', kid: 'key_attacker', typ: 'at+jwt' }, payload, privateKey)), 'unknown_signing_key');
  });

  it('any other issuer is unknown_issuer; a JWT without iss names the claim', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claims = { sub: 'alice', exp: Math.floor(f.deps.clock.now / 1000) + 60 };
    for (const iss of ['https://accounts.google.com', 'threadgate ', 'Threadgate', `${f.deps.config.issuer}/`]) {
      await expectError(() => bearer(craftEs256({ alg: 'ES256', kid: 'k' }, { ...claims, iss }, privateKey)), 'unknown_issuer', { message: iss });
    }
    await expectError(() => bearer(craftEs256({ alg: 'ES256', kid: 'k' }, claims, privateKey)), 'invalid_claims', { claim: 'iss' });
    await expectError(() => bearer(craftEs256({ alg: 'ES256', kid: 'k' }, { ...claims, iss: 42 }, privateKey)), 'invalid_claims', { claim: 'iss' });
  });
});

/** A promise's stand-in: what `answeredAtOnce` gives when authenticate answers with a promise. */
const LATER = Symbol('answered with a promise');

/**
 * What `authenticate` answers in the same tick (a principal, or undefined: no credential), or
 * LATER when it answers with a promise (verified in full; a refusal is a rejected promise, whose
 * rejection is dropped here: this only asks when the answer comes).
 */
function answeredAtOnce(auth: Authenticator, input: AuthenticateInput): Principal | undefined | typeof LATER {
  const answer = auth.authenticate(input);
  if (!(answer instanceof Promise)) return answer;
  answer.catch(() => undefined);
  return LATER;
}

describe('authenticate: the synchronous cache answer', () => {
  let f: SessionFixture;
  after(async () => f.close());

  it('answers a credential its cache holds at once, the very principal it verified; anything else with a promise', async () => {
    f = await createSessionFixture();
    let epoch = 0;
    const { createVerifiedCredentialCache } = await import('../../src/auth/verified-credential-cache.js');
    const { withTrace } = await import('../../src/auth/trace.js');
    const cache = createVerifiedCredentialCache({ maxEntries: 100, clockToleranceSeconds: 30, epoch: () => epoch, clock: f.deps.clock });
    const auth = createAuthenticator({ store: f.deps.store, keyring: f.deps.keyring, config: f.deps.config, clock: f.deps.clock }, { cache, epoch: () => epoch });
    const { token } = await mintWorkspaceToken(f.deps.keyring, f.deps.config, { projectId: 'default', userId: 'carol', workspaceId: 'ws-carol', scopes: ALL_SCOPES, agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 'x' } }, f.deps.clock);
    const input = { authorization: `Bearer ${token}`, userIdHeader: undefined, workspaceIdHeader: undefined };
    assert.equal(answeredAtOnce(auth, input), LATER, 'never verified: nothing cached');
    const verified = await auth.authenticate(input);
    assert.equal(answeredAtOnce(auth, input), verified, 'the very principal authenticate returned');
    assert.equal(answeredAtOnce(auth, { ...input, authorization: `Bearer ${token}x` }), LATER, 'another token');
    assert.equal(answeredAtOnce(auth, { ...input, authorization: 'Basic abc' }), LATER, 'malformed: a rejected promise, no throw');
    await assert.rejects(Promise.resolve(auth.authenticate({ ...input, authorization: 'Basic abc' })), { code: 'invalid_token' });
    assert.equal(answeredAtOnce(auth, { ...input, authorization: undefined }), undefined, 'no credential: no principal, at once');
    assert.equal(answeredAtOnce(auth, { ...input, authorization: `bEARER ${token}` }), verified, 'the scheme in any case, as extractBearer reads it');
    for (const header of [`Bearer  ${token}`, `Bearer ${token} `, `Bearer ${token},`, `Bearer ${token}\n`, `Bearer\t${token}`, `${token}`]) {
      assert.equal(answeredAtOnce(auth, { ...input, authorization: header }), LATER, `not the cached token: ${JSON.stringify(header.slice(-12))}`);
    }
    // Both credential headers: the same token twice is one credential; two different ones are refused.
    assert.equal(answeredAtOnce(auth, { ...input, userTokenHeader: token }), verified, 'the same token in both headers');
    assert.equal(answeredAtOnce(auth, { ...input, userTokenHeader: `${token}x` }), LATER, 'two different tokens: refused');
    await assert.rejects(Promise.resolve(auth.authenticate({ ...input, userTokenHeader: `${token}x` })), { code: 'invalid_token' });
    const traced = await withTrace(async () => answeredAtOnce(auth, input));
    assert.deepEqual(traced.result, { ok: true, value: LATER }, 'an inspection verifies in full');
    epoch++;
    assert.equal(answeredAtOnce(auth, input), LATER, 'a revocation anywhere sends it back through the full check');
  });

  it('keys an API key by its user and workspace headers, and the user-token header apart from Authorization', async () => {
    const { createVerifiedCredentialCache } = await import('../../src/auth/verified-credential-cache.js');
    const cache = createVerifiedCredentialCache({ maxEntries: 100, clockToleranceSeconds: 30, epoch: () => 0, clock: f.deps.clock });
    const auth = createAuthenticator({ store: f.deps.store, keyring: f.deps.keyring, config: f.deps.config, clock: f.deps.clock }, { cache, epoch: () => 0 });
    const { key } = await createApiKey(f.deps.store, { projectId: 'default', name: 'cached-lookup' });
    const asAlice = { authorization: `Bearer ${key}`, userIdHeader: 'alice', workspaceIdHeader: 'ws-alice' };
    const alice = await auth.authenticate(asAlice);
    assert.equal(answeredAtOnce(auth, asAlice), alice);
    assert.equal(answeredAtOnce(auth, { ...asAlice, userIdHeader: 'bob' }), LATER, 'another user: not the cached principal');
    assert.equal(answeredAtOnce(auth, { ...asAlice, workspaceIdHeader: 'ws-bob' }), LATER, 'another workspace');
    assert.equal(answeredAtOnce(auth, { ...asAlice, authorization: `Bearer ${key}\nalice`, userIdHeader: 'ws-alice', workspaceIdHeader: undefined }), LATER, 'a line feed cannot forge a key');

    const { token } = await mintWorkspaceToken(f.deps.keyring, f.deps.config, { projectId: 'default', userId: 'dan', workspaceId: 'ws-dan', scopes: ALL_SCOPES, agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 'y' } }, f.deps.clock);
    const none = { userIdHeader: undefined, workspaceIdHeader: undefined };
    const viaBearer = await auth.authenticate({ ...none, authorization: `Bearer ${token}` });
    assert.equal(answeredAtOnce(auth, { ...none, authorization: undefined, userTokenHeader: token }), LATER, 'verified through Authorization, not through the user-token header');
    assert.equal(answeredAtOnce(auth, { ...none, authorization: `Bearer ${token}`, userTokenHeader: '' }), viaBearer, 'an empty user-token header carries nothing');
  });
});
