/**
 * Peer: fastify + @fastify/jwt (HS256, on fast-jwt). BENCH_FAST_JWT_CACHE=1 turns on fast-jwt's
 * verified-token cache (`verify: { cache: true }`, 1000 entries).
 */
import Fastify from 'fastify';
import fastifyJwt from '@fastify/jwt';
import { announceListening, exitOnSignal, requireEnv } from './listening.js';

const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: requireEnv('BENCH_HS256_SECRET'),
  verify: {
    algorithms: ['HS256'],
    allowedIss: requireEnv('BENCH_ISSUER'),
    allowedAud: requireEnv('BENCH_AUDIENCE'),
    ...(process.env.BENCH_FAST_JWT_CACHE === '1' ? { cache: true } : {}),
  },
});
app.addHook('onRequest', async (request) => {
  await request.jwtVerify();
});
app.get('/v1/me', async (request) => {
  const sub = (request.user as { sub: string }).sub;
  return { user_id: sub, workspace_id: sub };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
announceListening(typeof address === 'object' && address !== null ? address.port : 0);
exitOnSignal(() => app.close());
