/** Peer: express + express-jwt + jwks-rsa, RS256 (jwks-rsa's key cache on). */
import { peerSetup } from './peer.js';

export const expressJwks = peerSetup({ name: 'express-jwks', server: 'express-jwt', title: 'express 5 + express-jwt + jwks-rsa (RS256)', algorithm: 'RS256' });
