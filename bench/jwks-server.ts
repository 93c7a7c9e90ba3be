/**
 * A local identity provider's key endpoint: `GET /.well-known/jwks.json` and an OpenID discovery
 * document, on 127.0.0.1 in the runner's own process (pinned to the load core, like a remote IdP
 * that costs the server nothing but the fetch). It counts the fetches, so the results show which
 * setups fetch keys per request (hono/jwk does) and which cache them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RsaIdentityProvider } from './tokens.js';

export interface JwksServer {
  /** `http://127.0.0.1:<port>`: the issuer of the RS256 tokens. */
  issuer: string;
  jwksUri: string;
  /** JWKS fetches served so far. */
  fetches(): number;
  close(): Promise<void>;
}

export async function startJwksServer(idp: RsaIdentityProvider): Promise<JwksServer> {
  let fetches = 0;
  let issuer = '';
  const jwks = JSON.stringify({ keys: [idp.publicJwk] });
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(jwks);
    } else if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` }));
    } else {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
