/**
 * HS256 user tokens signed with an authentication key (SPEC 2.3 and 8). Attacks first: every
 * spelling of `alg: none`, asymmetric and other HMAC algorithms under a real `kid`, another key's
 * secret, tampering, truncation, hostile `exp`/`nbf`/`iat`, `crit`, header-named keys (never
 * fetched), deleted keys (refused on the very next request, cache or not). Then what a valid token
 * yields: user, workspace (configured claim or `sub`), scopes, agents, and the configurable header.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, createSign } from 'node:crypto';
import { SignJWT } from 'jose';
import { createApiKey } from '../../src/auth/api-key.js';
import { createAuthKey } from '../../src/auth/auth-key.js';
import { createAuthenticator, type Authenticator } from '../../src/auth/authenticate.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';
import { createRevocationEpoch, subscribeRevocations } from '../../src/auth/revocation-epoch.js';
import { createEventBus } from '../../src/platform/events/bus.js';
import { createCredentialsService } from '../../src/modules/credentials-admin/credentials-service.js';
import { verifyUserToken, type UserTokenDeps } from '../../src/auth/user-token.js';
import { createVerifiedCredentialCache } from '../../src/auth/verified-credential-cache.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ThreadgateError } from '../../src/errors.js';
import { b64u, craftEs256, signHs256, signingInput } from '../fixtures/jws.js';
import { createSessionFixture, type SessionFixture } from '../fixtures/session-deps.js';
import { createTestConfig, createTestSecretBox } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

describe('user token (HS256, authentication keys)', () => {
  let f: SessionFixture;
  let deps: UserTokenDeps;
  let auth: Authenticator;
  let kid: string;
  let secret: string;
  let other: { kid: string; secret: string };
  const now = () => Math.floor(f.deps.clock.now / 1000);

  before(async () => {
    f = await createSessionFixture();
    deps = { store: f.deps.store, secretBox: f.deps.secretBox, config: f.deps.config, clock: f.deps.clock };
    auth = createAuthenticator({ ...deps, store: f.deps.store, keyring: f.deps.keyring, config: f.deps.config });
    const created = await createAuthKey(f.deps.store, f.deps.secretBox, { projectId: 'default', name: 'main', agents: ['support', 'sales'] }, f.deps.clock);
    kid = created.record.id;
    secret = created.secret;
    const second = await createAuthKey(f.deps.store, f.deps.secretBox, { projectId: 'default', name: 'other' }, f.deps.clock);
    other = { kid: second.record.id, secret: second.secret };
  });
  after(async () => f.close());

  const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', exp: now() + 600, ...extra });
  /** An HS256 token over any header and payload (objects or raw JSON text), with any secret. */
  const craft = (header: object | string, payload: object | string, key: string = secret) => {
    const input = signingInput(header, payload);
    return `${input}.${signHs256(input, key)}`;
  };
  const sign = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    craft({ alg: 'HS256', typ: 'JWT', kid, ...header }, claims(extra));
  const verify = (token: string) => verifyUserToken(deps, token);
  const bearer = (token: string) => auth.authenticate({ authorization: `Bearer ${token}`, userIdHeader: undefined, workspaceIdHeader: undefined });

  describe('attacks', () => {
    it('refuses alg none in every spelling, signed or not, even with a real kid', async () => {
      for (const alg of ['none', 'None', 'NONE', 'nOnE', 'none ', ' none']) {
        const input = signingInput({ alg, kid }, claims());
        await expectError(() => verify(`${input}.`), 'invalid_token', { message: alg });
        await expectError(() => verify(`${input}.${signHs256(input, secret)}`), 'invalid_token', { message: alg, secrets: [secret] });
        await expectError(() => bearer(`${input}.${signHs256(input, secret)}`), 'invalid_token', { message: alg });
      }
    });

    it('refuses an RS256 or ES256 token whose kid names a real authentication key', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const input = signingInput({ alg: 'RS256', kid }, claims());
      const rs256 = `${input}.${createSign('sha256').update(input).sign(rsa.privateKey).toString('base64url')}`;
      await expectError(() => verify(rs256), 'invalid_token');
      await expectError(() => bearer(rs256), 'invalid_token');
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const es256 = craftEs256({ alg: 'ES256', kid }, claims(), ec.privateKey);
      await expectError(() => verify(es256), 'invalid_token');
      await expectError(() => bearer(es256), 'invalid_token');
      // Key confusion the other way: an "RS256"/"ES256" token MACed with the secret.
      for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) {
        await expectError(() => bearer(craft({ alg, kid }, claims())), 'invalid_token', { message: alg });
      }
    });

    it('refuses HS384 and HS512 even with the right secret', async () => {
      for (const [alg, hash] of [['HS384', 'sha384'], ['HS512', 'sha512']] as const) {
        const input = signingInput({ alg, kid }, claims());
        const token = `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
        await expectError(() => verify(token), 'invalid_token', { message: alg });
        await expectError(() => bearer(token), 'invalid_token', { message: alg });
      }
    });

    it('refuses a token signed with another key\'s secret, or with the secret in another encoding', async () => {
      await expectError(() => verify(craft({ alg: 'HS256', kid }, claims(), other.secret)), 'invalid_signature', { secrets: [secret, other.secret] });
      await expectError(() => verify(craft({ alg: 'HS256', kid: other.kid }, claims(), secret)), 'invalid_signature');
      const withoutPrefix = secret.slice('sk-tg-'.length);
      await expectError(() => verify(craft({ alg: 'HS256', kid }, claims(), withoutPrefix)), 'invalid_signature');
      const input = signingInput({ alg: 'HS256', kid }, claims());
      const decoded = createHmac('sha256', Buffer.from(withoutPrefix, 'base64url')).update(input).digest('base64url');
      await expectError(() => verify(`${input}.${decoded}`), 'invalid_signature', { message: 'base64url-decoded secret' });
    });

    it('refuses a tampered payload or header, and a truncated or empty signature', async () => {
      const token = sign();
      const [h, p, s] = token.split('.') as [string, string, string];
      const forged = b64u({ ...claims(), sub: 'admin' });
      await expectError(() => verify(`${h}.${forged}.${s}`), 'invalid_signature');
      await expectError(() => verify(`${b64u({ alg: 'HS256', kid, typ: 'at+jwt' })}.${p}.${s}`), 'invalid_signature');
      const bytes = Buffer.from(s, 'base64url');
      await expectError(() => verify(`${h}.${p}.${bytes.subarray(0, 16).toString('base64url')}`), 'invalid_signature');
      await expectError(() => verify(`${h}.${p}.${bytes.subarray(0, 31).toString('base64url')}`), 'invalid_signature');
      await expectError(() => verify(`${h}.${p}.${Buffer.concat([bytes, Buffer.from([0])]).toString('base64url')}`), 'invalid_signature');
      await expectError(() => verify(`${h}.${p}.`), 'invalid_token');
      await expectError(() => verify(`${h}.${p}.${s}=`), 'invalid_token');
      await expectError(() => verify(`${h}.${p}`), 'invalid_token');
      await expectError(() => verify(` ${token}`), 'invalid_token');
    });

    it('refuses a missing, expired, non-numeric or infinite exp', async () => {
      const header = { alg: 'HS256', kid };
      await expectError(() => verify(craft(header, { sub: 'alice' })), 'invalid_claims', { claim: 'exp' });
      await expectError(() => verify(sign({ exp: now() - 31 })), 'token_expired');
      await expectError(() => verify(sign({ exp: now() - 3600 })), 'token_expired');
      assert.ok(await verify(sign({ exp: now() - 29 })), 'within the 30 s clock tolerance');
      for (const exp of [String(now() + 600), null, true, [now() + 600], { v: 1 }]) {
        await expectError(() => verify(sign({ exp })), 'invalid_claims', { claim: 'exp', message: JSON.stringify(exp) });
      }
      for (const raw of ['1e400', '-1e400']) {
        await expectError(() => verify(craft(header, `{"sub":"alice","exp":${raw}}`)), 'invalid_claims', { claim: 'exp', message: raw });
      }
    });

    it('refuses nbf and iat in the future beyond the tolerance, and non-numeric ones', async () => {
      await expectError(() => verify(sign({ nbf: now() + 31 })), 'token_not_yet_valid');
      assert.ok(await verify(sign({ nbf: now() + 29 })));
      await expectError(() => verify(sign({ iat: now() + 31 })), 'invalid_claims', { claim: 'iat' });
      assert.ok(await verify(sign({ iat: now() + 29 })));
      await expectError(() => verify(sign({ nbf: 'soon' })), 'invalid_claims', { claim: 'nbf' });
      await expectError(() => verify(craft({ alg: 'HS256', kid }, `{"sub":"alice","exp":${now() + 60},"iat":1e400}`)), 'invalid_claims', { claim: 'iat' });
    });

    it('refuses an empty, missing, non-string or unprintable sub', async () => {
      for (const sub of ['', 42, null, ['alice'], 'tab\there', 'x'.repeat(256), ' alice', 'new\nline']) {
        await expectError(() => verify(sign({ sub })), 'invalid_claims', { claim: 'sub', message: JSON.stringify(sub) });
      }
      await expectError(() => verify(craft({ alg: 'HS256', kid }, { exp: now() + 60 })), 'invalid_claims', { claim: 'sub' });
    });

    it('refuses crit, b64, duplicate members, and a kid that is not a string', async () => {
      await expectError(() => verify(sign({}, { crit: ['exp'], exp: 1 })), 'invalid_token');
      await expectError(() => verify(sign({}, { crit: [] })), 'invalid_token');
      await expectError(() => verify(sign({}, { b64: false })), 'invalid_token');
      await expectError(() => verify(craft({ alg: 'HS256', kid }, `{"sub":"alice","sub":"admin","exp":${now() + 60}}`)), 'invalid_token');
      await expectError(() => verify(craft(`{"alg":"HS256","kid":"${kid}","kid":"${other.kid}"}`, claims())), 'invalid_token');
      await expectError(() => verify(sign({}, { kid: 7 })), 'invalid_token');
      await expectError(() => verify(sign({}, { kid: '' })), 'invalid_token');
    });

    it('ignores jku, jwk, x5u and x5c: never fetched, never used', async () => {
      const realFetch = globalThis.fetch;
      let fetched = 0;
      globalThis.fetch = (async () => {
        fetched++;
        throw new Error('no network in this test');
      }) as typeof fetch;
      try {
        const attacker = 'attacker-secret-0123456789abcdefghijklmnop';
        const jwk = { kty: 'oct', k: Buffer.from(attacker).toString('base64url'), alg: 'HS256' };
        const headers = { jku: 'https://evil.example/jwks.json', x5u: 'https://evil.example/cert.pem', jwk, x5c: ['MIIB'] };
        await expectError(() => verify(craft({ alg: 'HS256', kid, ...headers }, claims(), attacker)), 'invalid_signature');
        await expectError(() => verify(craft({ alg: 'HS256', kid: 'ak_attacker', ...headers }, claims(), attacker)), 'unknown_signing_key');
        const accepted = await verify(sign({}, headers));
        assert.equal(accepted.userId, 'alice', 'the real key verifies; the header keys change nothing');
        assert.equal(fetched, 0, 'nothing was fetched');
      } finally {
        globalThis.fetch = realFetch;
      }
    });

    it('refuses an unknown or malformed kid as unknown_signing_key without reading the store for the malformed ones', async () => {
      await expectError(() => verify(sign({}, { kid: 'ak_00000000000000000000000000' })), 'unknown_signing_key');
      let reads = 0;
      const counting = { ...deps, store: { ...deps.store, getAuthKey: async (...args: Parameters<typeof deps.store.getAuthKey>) => { reads++; return deps.store.getAuthKey(...args); } } };
      for (const bad of ['ak_', 'ak_x', `${kid}x`, 'ak_../../etc/passwd', `ak_${'0'.repeat(200)}`, kid.toUpperCase().replace('AK_', 'ak_')]) {
        await expectError(() => verifyUserToken(counting, sign({}, { kid: bad })), 'unknown_signing_key', { message: bad });
      }
      assert.equal(reads, 0);
      await expectError(() => bearer(sign({}, { kid: 'ak_00000000000000000000000000' })), 'unknown_signing_key');
    });

    it('refuses a token of a deleted key on the very next call, and its exchanged workspace tokens', async () => {
      const doomed = await createAuthKey(f.deps.store, f.deps.secretBox, { projectId: 'default', name: 'doomed' }, f.deps.clock);
      const token = craft({ alg: 'HS256', kid: doomed.record.id }, claims(), doomed.secret);
      const principal = await bearer(token);
      assert.equal(principal?.credentialId, doomed.record.id);
      const exchanged = await mintWorkspaceToken(f.deps.keyring, f.deps.config, {
        projectId: 'default', userId: 'alice', workspaceId: 'alice', scopes: ALL_SCOPES, agents: 'all', anonymous: false,
        credential: { source: 'user_token', id: doomed.record.id },
      }, f.deps.clock);
      assert.ok(await bearer(exchanged.token));
      // Another process deletes it (a second connection to the same database).
      const peer = await f.temp.openAnother();
      assert.equal(await peer.deleteAuthKey('default', doomed.record.id), true);
      await expectError(() => bearer(token), 'unknown_signing_key', { secrets: [token, doomed.secret] });
      await expectError(() => verify(token), 'unknown_signing_key');
      await expectError(() => bearer(exchanged.token), 'token_revoked');
    });

    it('with the verified-credential cache, a deletion in this process is seen on the very next call', async () => {
      const epoch = await createRevocationEpoch({ store: f.deps.store, redis: null, subscriber: null, redisKeyPrefix: 'test:', pollMs: 0 });
      const events = createEventBus();
      subscribeRevocations(events, epoch);
      const credentials = createCredentialsService({ repository: f.deps.store, events, config: f.deps.config, secretBox: () => f.deps.secretBox, clock: f.deps.clock });
      const cache = createVerifiedCredentialCache({ maxEntries: 100, clockToleranceSeconds: 30, epoch: epoch.current, clock: f.deps.clock });
      const cached = createAuthenticator({ store: f.deps.store, keyring: f.deps.keyring, config: f.deps.config, secretBox: f.deps.secretBox, clock: f.deps.clock }, { cache });
      const doomed = await credentials.createAuthKey({ name: 'cached' }, { kind: 'system' });
      const token = craft({ alg: 'HS256', kid: doomed.record.id }, claims(), doomed.secret);
      const input = { authorization: `Bearer ${token}`, userIdHeader: undefined, workspaceIdHeader: undefined };
      assert.ok(await cached.authenticate(input));
      assert.ok(await cached.authenticate(input));
      assert.equal(cache.size, 1, 'the acceptance is cached');
      await credentials.deleteAuthKey(doomed.record.id, { kind: 'system' });
      await expectError(() => cached.authenticate(input), 'unknown_signing_key');
      await epoch.close();
    });

    it('a secret sealed under another master key is a server error, not a bad credential', async () => {
      const foreign = await createAuthKey(f.deps.store, createTestSecretBox(), { projectId: 'default', name: 'foreign box' }, f.deps.clock);
      const token = craft({ alg: 'HS256', kid: foreign.record.id }, claims(), foreign.secret);
      await assert.rejects(verify(token), (error: unknown) => !(error instanceof ThreadgateError));
    });

    it('never echoes the token or the secret in an error', async () => {
      const token = sign({ exp: now() - 3600 });
      await expectError(() => bearer(token), 'token_expired', { secrets: [token, secret, token.split('.')[2]!] });
    });
  });

  describe('what a valid token yields', () => {
    it('the user, the key\'s project and agents, all scopes, source user_token and the key id', async () => {
      const principal = await verify(sign({ iss: 'https://my-backend.example', aud: ['anything'], iat: now() - 10, nbf: now() - 10, jti: 'j1' }));
      assert.equal(principal.userId, 'alice');
      assert.equal(principal.workspaceId, 'alice', 'no workspace claim: the workspace is sub');
      assert.equal(principal.projectId, 'default');
      assert.equal(principal.source, 'user_token');
      assert.equal(principal.credentialId, kid);
      assert.deepEqual([...principal.scopes].sort(), [...ALL_SCOPES].sort());
      assert.deepEqual(principal.agents, ['support', 'sales']);
      assert.equal(principal.anonymous, false);
      assert.equal(principal.expiresAt, now() + 600);
      assert.ok(Object.isFrozen(principal.agents), 'the key\'s list cannot be changed through the principal');
      const all = await verify(craft({ alg: 'HS256', kid: other.kid }, claims(), other.secret));
      assert.equal(all.agents, 'all');
    });

    it('works with tokens from jose SignJWT, with the secret as UTF-8 bytes', async () => {
      const token = await new SignJWT({ sub: 'bob' })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setExpirationTime(now() + 60)
        .sign(new TextEncoder().encode(secret));
      assert.equal((await bearer(token))?.userId, 'bob');
    });

    it('takes the workspace from the workspace_id claim, validated like Aui-Workspace-Id', async () => {
      assert.equal((await verify(sign({ workspace_id: 'org1_alice' }))).workspaceId, 'org1_alice');
      for (const workspace_id of ['', 7, null, ['w'], 'w\tx', 'x'.repeat(256), 'é']) {
        await expectError(() => verify(sign({ workspace_id })), 'invalid_claims', { claim: 'workspace_id', message: JSON.stringify(workspace_id) });
      }
    });

    it('takes the workspace from THREADGATE_USER_TOKEN_WORKSPACE_CLAIM when configured', async () => {
      const config = createTestConfig({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: 'org_id' });
      const custom = { ...deps, config };
      assert.equal((await verifyUserToken(custom, sign({ org_id: 'acme', workspace_id: 'ignored' }))).workspaceId, 'acme');
      assert.equal((await verifyUserToken(custom, sign({ workspace_id: 'ignored' }))).workspaceId, 'alice');
      await expectError(() => verifyUserToken(custom, sign({ org_id: 42 })), 'invalid_claims', { claim: 'org_id' });
      const uri = { ...deps, config: createTestConfig({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: 'https://example.com/workspace' }) };
      assert.equal((await verifyUserToken(uri, sign({ 'https://example.com/workspace': 'w1' }))).workspaceId, 'w1');
    });

    it('narrows scopes to the token\'s scope claim, ignoring unknown ones', async () => {
      assert.deepEqual([...(await verify(sign({ scope: 'threads:read memory:read' }))).scopes], ['threads:read', 'memory:read']);
      assert.deepEqual([...(await verify(sign({ scope: 'threads:read admin root' }))).scopes], ['threads:read']);
      assert.deepEqual([...(await verify(sign({ scope: '' }))).scopes], [], 'an empty scope grants nothing');
      for (const scope of [['threads:read'], 7, null]) {
        await expectError(() => verify(sign({ scope })), 'invalid_claims', { claim: 'scope', message: JSON.stringify(scope) });
      }
    });

    it('a token with our issuer goes down the workspace-token path (and fails there), not this one', async () => {
      await expectError(() => bearer(sign({ iss: f.deps.config.issuer })), 'invalid_token');
    });

    it('an HS256 token without an ak_ kid is not a user token', async () => {
      await expectError(() => bearer(craft({ alg: 'HS256' }, claims())), 'invalid_claims', { claim: 'iss' });
      await expectError(() => bearer(craft({ alg: 'HS256', kid: 'key_1' }, claims({ iss: 'https://x.example' }))), 'unknown_issuer');
    });
  });

  describe('the user-token header (THREADGATE_USER_TOKEN_HEADER)', () => {
    const viaHeader = (token: string | undefined, authorization?: string) =>
      auth.authenticate({ authorization, userIdHeader: undefined, workspaceIdHeader: undefined, userTokenHeader: token });

    it('accepts a bare user token, as X-Algolia-Secure-User-Token carries it', async () => {
      const principal = await viaHeader(sign());
      assert.equal(principal?.source, 'user_token');
      assert.equal(principal?.userId, 'alice');
      assert.equal(await viaHeader(undefined), undefined, 'neither header: no principal');
    });

    it('carries user tokens only: an API key or a workspace token there is invalid_token', async () => {
      const { key } = await createApiKey(f.deps.store, { projectId: 'default', name: 'k' });
      await expectError(() => auth.authenticate({ authorization: undefined, userIdHeader: 'u', workspaceIdHeader: 'w', userTokenHeader: key }), 'invalid_token', { secrets: [key] });
      const { token } = await mintWorkspaceToken(f.deps.keyring, f.deps.config, {
        projectId: 'default', userId: 'alice', workspaceId: 'w', scopes: ALL_SCOPES, agents: 'all', anonymous: false, credential: { source: 'workspace_token', id: 't' },
      }, f.deps.clock);
      assert.ok(await bearer(token), 'fine as Bearer');
      await expectError(() => viaHeader(token), 'invalid_token');
      await expectError(() => viaHeader(token), 'invalid_token', { message: 'a second time (not from the cache)' });
    });

    it('refuses a malformed value and two different credentials at once; the same token twice is fine', async () => {
      const token = sign();
      for (const bad of [`Bearer ${token}`, ` ${token}`, `${token} `, 'a b', 'x'.repeat(17 * 1024)]) {
        await expectError(() => viaHeader(bad), 'invalid_token', { message: JSON.stringify(bad).slice(0, 40) });
      }
      assert.equal(await viaHeader(''), undefined, 'an empty header carries nothing');
      assert.equal((await viaHeader('', `Bearer ${token}`))?.userId, 'alice', 'an empty header beside Authorization is ignored');
      await expectError(() => viaHeader(token, `Bearer ${sign({ sub: 'bob' })}`), 'invalid_token');
      assert.equal((await viaHeader(token, `Bearer ${token}`))?.userId, 'alice');
    });

    it('applies every check of the Bearer path', async () => {
      await expectError(() => viaHeader(sign({ exp: now() - 3600 })), 'token_expired');
      await expectError(() => viaHeader(craft({ alg: 'none', kid }, claims())), 'invalid_token');
      await expectError(() => viaHeader(craft({ alg: 'HS256', kid }, claims(), other.secret)), 'invalid_signature');
    });
  });
});
