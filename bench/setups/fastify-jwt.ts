/** Peers: fastify + @fastify/jwt, HS256, without and with fast-jwt's verified-token cache. */
import { peerSetup } from './peer.js';

export const fastifyJwt = peerSetup({ name: 'fastify-jwt', server: 'fastify-jwt', title: 'fastify + @fastify/jwt (HS256)', algorithm: 'HS256' });

export const fastifyJwtCache = peerSetup({
  name: 'fastify-jwt-cache',
  server: 'fastify-jwt',
  title: 'fastify + @fastify/jwt (HS256, fast-jwt cache on)',
  algorithm: 'HS256',
  env: { BENCH_FAST_JWT_CACHE: '1' },
});
