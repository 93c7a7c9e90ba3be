/** Peer: VoltAgent's jwtAuth (@voltagent/server-core), HS256, in Hono as @voltagent/server-hono wires it. */
import { peerSetup } from './peer.js';

export const voltagentJwt = peerSetup({ name: 'voltagent-jwt', server: 'voltagent-jwt', title: "VoltAgent jwtAuth in Hono (HS256, jsonwebtoken)", algorithm: 'HS256' });
