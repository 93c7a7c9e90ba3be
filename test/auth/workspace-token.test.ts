import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompactSign } from 'jose';
import { createKeyring, type Keyring } from '../../src/auth/keyring.js';
import { ALL_SCOPES } from '../../src/auth/principal.js';
import { mintWorkspaceToken, verifyWorkspaceToken, type WorkspaceTokenInput } from '../../src/auth/workspace-token.js';
import { createFrozenClock } from '../fixtures/clock.js';
import { b64u, signHs256 } from '../fixtures/jws.js';
import { createTempStore, createTestConfig, createTestSecretBox, type TempStore } from '../fixtures/temp-store.js';
import { expectError } from '../helpers/error-contract.js';

const config = createTestConfig({ THREADGATE_ISSUER: 'https://tg.example', THREADGATE_AUDIENCE: 'tg-api' });
const input: WorkspaceTokenInput = {
  projectId: 'default',
  userId: 'alice',
  workspaceId: 'ws-alice',
  scopes: ['threads:read', 'threads:write'],
  agents: ['agent-a', 'agent-b'],
  anonymous: false,
  credential: { source: 'api_key', id: 'apikey_1' },
};

describe('workspace token', () => {
  let temp: TempStore;
  let keyring: Keyring;
  const clock = createFrozenClock();
  const now = () => Math.floor(clock() / 1000);

  before(async () => {
    temp = await createTempStore();
    keyring = await createKeyring({ store: temp.store, secretBox: createTestSecretBox(), workspaceTokenTtlSeconds: 300, clockToleranceSeconds: 30, clock });
  });
  after(async () => temp.close());

  const mint = (overrides: Partial<WorkspaceTokenInput> = {}) => mintWorkspaceToken(keyring, config, { ...input, ...overrides }, clock);
  const verify = (token: string) => verifyWorkspaceToken(keyring, config, token, clock);

  /** Signs any header and raw payload text with the keyring's real key. */
  async function signRaw(payloadText: string, header: Record<string, unknown> = {}): Promise<string> {
    const { kid, privateKey } = await keyring.signingKey();
    const crit = Array.isArray(header.crit) ? Object.fromEntries((header.crit as string[]).map((name) => [name, true])) : undefined;
    return new CompactSign(new TextEncoder().encode(payloadText))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
      .sign(privateKey, crit === undefined ? undefined : { crit });
  }
  const validClaims = () => ({
    iss: config.issuer,
    aud: config.audience,
    sub: 'alice',
    workspace_id: 'ws-alice',
    project_id: 'default',
    scope: 'threads:read',
    src: 'api_key',
    cid: 'apikey_1',
    jti: 'j1',
    iat: now(),
    exp: now() + 300,
  });
  const signClaims = (claims: object, header: Record<string, unknown> = {}) => signRaw(JSON.stringify(claims), header);

  it('mints an RFC 9068 access token that verifies into the principal', async () => {
    const { token, expiresAt } = await mint();
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    assert.deepEqual(header, { alg: 'ES256', kid: (await keyring.signingKey()).kid, typ: 'at+jwt' });
    assert.equal(payload.iss, 'https://tg.example');
    assert.equal(payload.aud, 'tg-api');
    assert.equal(payload.scope, 'threads:read threads:write');
    assert.deepEqual(payload.agents, ['agent-a', 'agent-b']);
    assert.equal(payload.anon, undefined);
    assert.equal(payload.exp - payload.iat, 300);
    assert.equal(expiresAt, payload.exp);
    assert.equal(typeof payload.jti, 'string');

    const { principal, claims } = await verify(token);
    assert.equal(principal.userId, 'alice');
    assert.equal(principal.workspaceId, 'ws-alice');
    assert.equal(principal.projectId, 'default');
    assert.equal(principal.source, 'workspace_token', 'a workspace token can never pass for the API key it came from');
    assert.equal(principal.credentialId, 'apikey_1');
    assert.deepEqual([...principal.scopes], ['threads:read', 'threads:write']);
    assert.deepEqual(principal.agents, ['agent-a', 'agent-b']);
    assert.equal(principal.anonymous, false);
    assert.equal(principal.expiresAt, expiresAt);
    assert.equal(claims.src, 'api_key');
  });

  it('omits agents when all, and marks anonymous sessions', async () => {
    const { token } = await mint({ agents: 'all', anonymous: true, credential: { source: 'anonymous', id: 'rtf_1' }, scopes: ALL_SCOPES });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal('agents' in payload, false);
    assert.equal(payload.anon, true);
    const { principal } = await verify(token);
    assert.equal(principal.agents, 'all');
    assert.equal(principal.anonymous, true);
    assert.equal(principal.scopes.size, ALL_SCOPES.length);
  });

  it('expires with the frozen clock, after the allowed skew', async () => {
    const { token } = await mint();
    const start = clock.now;
    try {
      clock.advance((300 + 30) * 1000 - 1000);
      await verify(token);
      clock.advance(1000);
      await expectError(() => verify(token), 'token_expired');
    } finally {
      clock.set(start);
    }
  });

  it('refuses alg none, in every spelling', async () => {
    const { token } = await mint();
    const [, payload] = token.split('.');
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const kid = (await keyring.signingKey()).kid;
      await expectError(() => verify(`${b64u({ alg, kid, typ: 'at+jwt' })}.${payload}.`), 'invalid_token', { message: alg });
    }
  });

  it('refuses an HS256 token signed with the public key (algorithm confusion)', async () => {
    const { keys } = await keyring.jwks();
    const jwk = keys[0]!;
    const input = `${b64u({ alg: 'HS256', kid: jwk.kid, typ: 'at+jwt' })}.${b64u(validClaims())}`;
    for (const secret of [JSON.stringify(jwk), Buffer.from(jwk.x!, 'base64url'), Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])]) {
      await expectError(() => verify(`${input}.${signHs256(input, secret)}`), 'invalid_token');
    }
  });

  it('refuses a tampered payload, a truncated signature, padding and whitespace', async () => {
    const { token } = await mint();
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = b64u({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' });
    await expectError(() => verify(`${h}.${forged}.${s}`), 'invalid_signature');
    const signature = Buffer.from(s, 'base64url');
    for (const length of [63, 62, 32, 1]) {
      await expectError(() => verify(`${h}.${p}.${signature.subarray(0, length).toString('base64url')}`), 'invalid_signature', { message: `${length} bytes` });
    }
    for (const variant of [`${h}.${p}.${s}=`, `${h}=.${p}.${s}`, `${h}.${p} .${s}`, ` ${token}`, `${token}\n`, `${h}.${p}.${s}.`]) {
      await expectError(() => verify(variant), 'invalid_token', { message: JSON.stringify(variant) });
    }
  });

  it('refuses duplicate claims even when the signature is ours', async () => {
    const claims = validClaims();
    const text = JSON.stringify(claims).replace('"sub":"alice"', '"sub":"alice","sub":"admin"');
    await expectError(async () => verify(await signRaw(text)), 'invalid_token');
    const scopeDup = JSON.stringify(claims).replace('"scope":"threads:read"', '"scope":"threads:read","scope":"threads:read threads:write memory:write"');
    await expectError(async () => verify(await signRaw(scopeDup)), 'invalid_token');
  });

  it('refuses exp as 1e400, a missing exp, an empty sub, nbf and iat in the future', async () => {
    const claims = validClaims();
    const exp1e400 = JSON.stringify(claims).replace(/"exp":\d+/, '"exp":1e400');
    await expectError(async () => verify(await signRaw(exp1e400)), 'invalid_claims', { claim: 'exp' });
    const { exp: _exp, ...noExp } = claims;
    await expectError(async () => verify(await signClaims(noExp)), 'invalid_claims', { claim: 'exp' });
    await expectError(async () => verify(await signClaims({ ...claims, sub: '' })), 'invalid_claims', { claim: 'sub' });
    await expectError(async () => verify(await signClaims({ ...claims, nbf: now() + 31 })), 'token_not_yet_valid');
    await expectError(async () => verify(await signClaims({ ...claims, iat: now() + 31 })), 'invalid_claims', { claim: 'iat' });
    await verify(await signClaims({ ...claims, nbf: now() + 30, iat: now() + 30 }));
  });

  it('refuses a wrong issuer, audience or typ, and missing Threadgate claims', async () => {
    const claims = validClaims();
    await expectError(async () => verify(await signClaims({ ...claims, iss: 'https://evil.example' })), 'invalid_claims', { claim: 'iss' });
    await expectError(async () => verify(await signClaims({ ...claims, aud: 'other-api' })), 'invalid_claims', { claim: 'aud' });
    await expectError(async () => verify(await signClaims({ ...claims, aud: ['other-api'] })), 'invalid_claims', { claim: 'aud' });
    await verify(await signClaims({ ...claims, aud: ['other-api', config.audience] }));
    for (const typ of ['JWT', 'at+JWT+x', 'id_token']) {
      await expectError(async () => verify(await signClaims(claims, { typ })), 'invalid_token', { message: typ });
    }
    await verify(await signClaims(claims, { typ: 'application/at+jwt' }));
    for (const claim of ['workspace_id', 'project_id', 'cid', 'src', 'scope', 'iat'] as const) {
      const { [claim]: _dropped, ...rest } = claims;
      await expectError(async () => verify(await signClaims(rest)), 'invalid_claims', { claim, message: claim });
    }
    await expectError(async () => verify(await signClaims({ ...claims, src: 'admin' })), 'invalid_claims', { claim: 'src' });
    await expectError(async () => verify(await signClaims({ ...claims, agents: 'all' })), 'invalid_claims', { claim: 'agents' });
    await expectError(async () => verify(await signClaims({ ...claims, anon: 'yes' })), 'invalid_claims', { claim: 'anon' });
  });

  it('refuses crit, and ignores jku, x5u, jwk and x5c', async () => {
    const claims = validClaims();
    await expectError(async () => verify(await signClaims(claims, { crit: ['urn:example:ext'], 'urn:example:ext': 1 })), 'invalid_token');
    const inert = { jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/x', jwk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, x5c: ['AAAA'] };
    const { principal } = await verify(await signClaims(claims, inert));
    assert.equal(principal.userId, 'alice');
  });

  it('refuses an unknown kid, a missing kid, and an unknown scope is dropped', async () => {
    await expectError(async () => verify(await signClaims(validClaims(), { kid: 'key_doesnotexist' })), 'unknown_signing_key');
    const { privateKey } = await keyring.signingKey();
    const withoutKid = await new CompactSign(new TextEncoder().encode(JSON.stringify(validClaims()))).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(privateKey);
    await expectError(() => verify(withoutKid), 'unknown_signing_key');
    const { principal } = await verify(await signClaims({ ...validClaims(), scope: 'threads:read admin:all' }));
    assert.deepEqual([...principal.scopes], ['threads:read']);
  });

  it('a token signed before a rotation still verifies; a token minted after uses the new key', async () => {
    const { token: before } = await mint();
    const newKid = await keyring.rotate();
    await verify(before);
    const { token: after } = await mint();
    assert.equal(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid, newKid);
    await verify(after);
  });
});
