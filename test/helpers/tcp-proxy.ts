/**
 * A TCP proxy that a test can cut and restore, to put a network outage between a server and a
 * service (Redis): `cut()` drops every open connection and refuses new ones until `restore()`.
 * Plain `node:net`, one upstream connection per client connection.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `host:port` of the proxy (swap it into a service URL with `urlThrough`). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlThrough(url: string): string;
  /** Drops every connection through the proxy, and refuses new ones until `restore`. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /** How many connections were accepted (and forwarded) so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startTcpProxy('127.0.0.1', 6379)
 * const env = { REDIS_URL: proxy.urlThrough('redis://127.0.0.1:6379') }
 * proxy.cut(); ...; proxy.restore()
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = createConnection({ host: targetHost, port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  function cut(): void {
    isCut = true;
    for (const socket of open) socket.destroy();
    open.clear();
  }
  return {
    port,
    urlThrough(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    restore() {
      isCut = false;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
