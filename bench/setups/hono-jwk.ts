/** Peer: Hono + hono/jwk, RS256 with jwks_uri (fetched on every request by hono 4.13). */
import { peerSetup } from './peer.js';

export const honoJwk = peerSetup({ name: 'hono-jwk', server: 'hono-jwk', title: 'Hono + hono/jwk (RS256, jwks_uri)', algorithm: 'RS256' });
