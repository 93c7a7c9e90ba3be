/** Peer: express + express-jwt, HS256. */
import { peerSetup } from './peer.js';

export const expressJwt = peerSetup({ name: 'express-jwt', server: 'express-jwt', title: 'express 5 + express-jwt (HS256)', algorithm: 'HS256' });
