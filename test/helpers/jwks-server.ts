/**
 * A bare JWKS endpoint on 127.0.0.1 (random port) serving whatever document the test sets, counting
 * requests, and able to drop every connection (offline). For attack suites that need a provider's
 * keys but not a whole OIDC provider (test/helpers/oidc-provider.ts is the real one).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwksServer {
  url: string;
  origin: string;
  setDocument(doc: unknown): void;
  /** Serves this body as is (say, a document that is not JSON), with this content type. */
  setRawBody(body: string, contentType?: string): void;
  hits(path?: string): number;
  goOffline(): void;
  goOnline(): void;
  close(): Promise<void>;
}

export async function startJwksServer(initial: unknown = { keys: [] }): Promise<JwksServer> {
  let doc: unknown = initial;
  let raw: { body: string; contentType: string } | undefined;
  let offline = false;
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (offline) {
      req.socket.destroy();
      return;
    }
    if (path !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    if (raw !== undefined) res.writeHead(200, { 'content-type': raw.contentType }).end(raw.body);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/jwks`,
    origin,
    setDocument(next) {
      doc = next;
      raw = undefined;
    },
    setRawBody(body, contentType = 'application/json') {
      raw = { body, contentType };
    },
    hits: (path = '/jwks') => counts.get(path) ?? 0,
    goOffline() {
      offline = true;
    },
    goOnline() {
      offline = false;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
