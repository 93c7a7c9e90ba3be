/**
 * Peer: express + express-jwt. HS256 with a shared secret, or, with BENCH_JWKS_URI set, RS256 with
 * keys from jwks-rsa (its default in-memory key cache on).
 */
import express from 'express';
import { expressjwt, type GetVerificationKey, type Request as JwtRequest } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { announceListening, exitOnSignal, requireEnv } from './listening.js';

const jwksUri = process.env.BENCH_JWKS_URI;
const issuer = requireEnv('BENCH_ISSUER');
const audience = requireEnv('BENCH_AUDIENCE');
const verify =
  jwksUri !== undefined && jwksUri !== ''
    ? expressjwt({ secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: false }) as GetVerificationKey, algorithms: ['RS256'], issuer, audience })
    : expressjwt({ secret: requireEnv('BENCH_HS256_SECRET'), algorithms: ['HS256'], issuer, audience });

const app = express();
app.disable('x-powered-by');
app.get('/v1/me', verify, (req, res) => {
  const sub = String((req as JwtRequest).auth?.sub);
  res.json({ user_id: sub, workspace_id: sub });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceListening(typeof address === 'object' && address !== null ? address.port : 0);
});
exitOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
