/**
 * A TCP proxy that a test can cut and restore, to put a network outage between a server and a
 * service (Redis): `cut()` drops every open connection and refuses new ones until `restore()`.
 * Or stall it: `stall()` keeps every connection open and accepts new ones, but forwards nothing
 * until `resume()` (a network that drops packets, a server that stopped answering: the client
 * sees no error, only silence). Plain `node:net`, one upstream connection per client connection.
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
  /** Forwards nothing either way, on open and new connections alike, until `resume`; nothing is dropped. */
  stall(): void;
  /** Forwards again, delivering what was held. */
  resume(): void;
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
  const pairs = new Set<readonly [Socket, Socket]>();
  let isCut = false;
  let isStalled = false;
  const forward = ([client, upstream]: readonly [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
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
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (!isStalled) forward(pair);
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
    stall() {
      isStalled = true;
      // Unpiped and paused, each socket keeps what it has read, and the kernel holds the rest.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      isStalled = false;
      for (const pair of pairs) forward(pair);
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
