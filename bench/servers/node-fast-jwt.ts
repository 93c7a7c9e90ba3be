/**
 * Peer: bare node:http + fast-jwt's verifier with its verified-token cache (HS256): about the
 * least a JWT check can cost in Node, and the best peer (0.84× on its machine).
 */
import { createServer } from 'node:http';
import { createVerifier } from 'fast-jwt';
import { announceListening, exitOnSignal, requireEnv } from './listening.js';

const verify = createVerifier({
  key: requireEnv('BENCH_HS256_SECRET'),
  algorithms: ['HS256'],
  allowedIss: requireEnv('BENCH_ISSUER'),
  allowedAud: requireEnv('BENCH_AUDIENCE'),
  cache: true,
});

const server = createServer((req, res) => {
  const header = req.headers.authorization;
  if (req.method !== 'GET' || req.url !== '/v1/me' || header === undefined || !header.startsWith('Bearer ')) {
    res.writeHead(header === undefined ? 401 : 404).end();
    return;
  }
  let sub: string;
  try {
    sub = String((verify(header.slice(7)) as { sub: string }).sub);
  } catch {
    res.writeHead(401).end();
    return;
  }
  const body = JSON.stringify({ user_id: sub, workspace_id: sub });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceListening(typeof address === 'object' && address !== null ? address.port : 0);
});
exitOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
