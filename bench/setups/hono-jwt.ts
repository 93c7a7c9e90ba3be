/** Peer: Hono + hono/jwt, HS256. */
import { peerSetup } from './peer.js';

export const honoJwt = peerSetup({ name: 'hono-jwt', server: 'hono-jwt', title: 'Hono + hono/jwt (HS256)', algorithm: 'HS256' });
