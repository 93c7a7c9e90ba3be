/**
 * A real OpenID Connect provider in-process (panva's `oidc-provider`, the certified implementation),
 * on 127.0.0.1 with a random port and its own RSA keys, for integration tests of auth rules:
 *
 * - client credentials give JWT access tokens (RFC 9068, `typ: at+jwt`) for the resource
 *   `AUDIENCE` (resource indicators, RFC 8707), with an `org_id` claim;
 * - `idToken()` has the provider issue an OIDC ID token (its own IdToken model and keys, `aud` =
 *   the client id, a `nonce`);
 * - `rotateKeys()` makes a new signing key (published first, the old one still published);
 * - `goOffline()` / `goOnline()`: while offline every connection is dropped (as a dead host would);
 * - `hits(path)` counts requests per path (the JWKS fetches Threadgate makes).
 *
 * A small HTTP server sits in front of the provider so that the port survives a rotation (a new
 * Provider instance with the new key set) and so requests can be counted and dropped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export const AUDIENCE = 'https://api.threadgate.test';
export const CLIENT_ID = 'assistant-backend';
export const CLIENT_SECRET = 'a-long-enough-client-secret-for-tests-0123456789';

export interface TestIdp {
  issuer: string;
  jwksUri: string;
  discoveryUrl: string;
  /** Kids of the published keys, signing key first. */
  kids(): string[];
  /** An RFC 9068 JWT access token by client credentials. */
  accessToken(options?: { scope?: string; orgId?: string }): Promise<string>;
  /** An OIDC ID token for `sub`, issued by the provider. */
  idToken(sub: string, extra?: Record<string, unknown>): Promise<string>;
  /** Adds a new signing key (the old stays published); returns its kid. */
  rotateKeys(options?: { dropOld?: boolean }): Promise<string>;
  goOffline(): void;
  goOnline(): void;
  /** Requests seen at a path (e.g. `/jwks`). */
  hits(path: string): number;
  close(): Promise<void>;
}

async function newKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

export async function startTestIdp(): Promise<TestIdp> {
  const counts = new Map<string, number>();
  let offline = false;
  let handler: ((req: any, res: any) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (offline || handler === undefined) {
      req.socket.destroy();
      return;
    }
    handler(req, res);
  });
  // Idle keep-alive sockets stay open for a minute: a test that blocks its event loop (spawnSync of
  // the CLI) must not find a socket the server closed meanwhile and fetch reuses (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  let keys: JWK[] = [await newKey(`k-${Date.now()}-1`)];
  let provider: Provider;
  let generation = 1;
  let orgForNextToken = 'org_acme';

  function build(): void {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: keys.map((key) => ({ ...key })) as any },
      cookies: { keys: ['test-cookie-key-0123456789'] },
      ttl: { ClientCredentials: 300, IdToken: 3600, AccessToken: 300 },
      scopes: ['openid', 'threads:read', 'threads:write', 'memory:read', 'memory:write', 'agents:run'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'threads:read threads:write memory:read memory:write agents:run',
            audience: AUDIENCE,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256', kid: keys[0]!.kid! } },
          }),
        },
      },
      extraTokenClaims: () => ({ org_id: orgForNextToken }),
    } as any);
    provider.on('server_error', (_ctx: unknown, error: unknown) => console.error('oidc-provider server_error', error));
    handler = provider.callback() as any;
  }
  build();

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    kids: () => keys.map((key) => key.kid!),
    async accessToken(options = {}) {
      orgForNextToken = options.orgId ?? 'org_acme';
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          resource: AUDIENCE,
          scope: options.scope ?? 'threads:read threads:write memory:read memory:write agents:run',
        }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (res.status !== 200 || body.access_token === undefined) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async idToken(sub, extra = {}) {
      const client = await provider.Client.find(CLIENT_ID);
      if (client === undefined) throw new Error('no client');
      const token = new provider.IdToken({ sub }, { client });
      token.set('sub', sub);
      token.set('nonce', `n-${Date.now()}`);
      for (const [name, value] of Object.entries(extra)) token.set(name, value);
      return token.issue({ use: 'idtoken' }) as Promise<string>;
    },
    async rotateKeys(options = {}) {
      generation++;
      const fresh = await newKey(`k-${Date.now()}-${generation}`);
      keys = options.dropOld === true ? [fresh] : [fresh, ...keys];
      build();
      return fresh.kid!;
    },
    goOffline() {
      offline = true;
    },
    goOnline() {
      offline = false;
    },
    hits: (path) => counts.get(path) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
