/** Peer: bare node:http + fast-jwt with its verified-token cache, HS256. */
import { peerSetup } from './peer.js';

export const nodeFastJwt = peerSetup({ name: 'node-fast-jwt', server: 'node-fast-jwt', title: 'node:http + fast-jwt (HS256, cache on)', algorithm: 'HS256' });
