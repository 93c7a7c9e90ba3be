/**
 * Verifies a Threadgate server's workspace tokens from another service, with the server's public
 * keys fetched from its `/.well-known/jwks.json` (jose's remote JWK set: cached, refetched on an
 * unknown `kid` at most once per cooldown). The same checks as the server's own verification:
 * strict parsing, ES256/EdDSA only, `typ` at+jwt, `iss`, `aud`, times.
 *
 * Does not check revocation: only the server knows about revoked keys and sessions, so a token
 * stays valid here until it expires (5 minutes by default). Services that need revocation at once
 * call the server (`GET /v1/me`) instead.
 */
import { createRemoteJWKSet, errors as joseErrors } from 'jose';
import { JwksUnavailable, ThreadgateError, UnknownKeyId } from '../errors.js';
import type { JwsHeader } from './jwt-strict.js';
import type { Principal } from './principal.js';
import { verifyWorkspaceToken } from './workspace-token.js';

export interface RemoteWorkspaceTokenOptions {
  /** The server's JWKS, e.g. `https://threadgate.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  /** The server's THREADGATE_ISSUER. Default `threadgate`. */
  issuer?: string;
  /** The server's THREADGATE_AUDIENCE. Default `threadgate`. */
  audience?: string;
  /** Allowed clock skew in seconds. Default 30. */
  clockToleranceSeconds?: number;
}

/**
 * @example
 * const verify = createRemoteWorkspaceTokenVerifier({ jwksUrl: 'http://127.0.0.1:8787/.well-known/jwks.json' })
 * const principal = await verify(token)
 */
export function createRemoteWorkspaceTokenVerifier(options: RemoteWorkspaceTokenOptions): (token: string) => Promise<Principal> {
  const url = new URL(options.jwksUrl);
  const jwks = createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 600_000, timeoutDuration: 5_000 });
  const config = {
    issuer: options.issuer ?? 'threadgate',
    audience: options.audience ?? 'threadgate',
    clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
    workspaceTokenTtlSeconds: 300,
  };
  const resolveKey = async (header: JwsHeader) => {
    try {
      return { key: await jwks({ alg: header.alg, ...(header.kid !== undefined ? { kid: header.kid } : {}) }), algorithm: header.alg };
    } catch (error) {
      if (error instanceof ThreadgateError) throw error;
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw new UnknownKeyId({ cause: error });
      throw new JwksUnavailable({ detail: `JWKS ${url.origin}${url.pathname} could not be fetched`, cause: error });
    }
  };
  return async (token) => (await verifyWorkspaceToken({ resolveKey }, config, token)).principal;
}
