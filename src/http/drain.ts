/**
 * Graceful shutdown of the HTTP server with a deadline. `server.close()` alone stops accepting
 * but then waits for every connection to end, so one client sending its body a byte at a time held
 * a SIGTERM for minutes (until Node's own request timeout). Draining instead:
 *
 * 1. stops accepting connections, and closes keep-alive connections that have no request in flight;
 * 2. lets requests in flight finish: every answer whose headers go out from then on says
 *    `Connection: close` (Node then closes its connection after it), and a connection whose answer
 *    had already started is closed as soon as it is idle;
 * 3. at the deadline, closes whatever is left (`closeAllConnections`).
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Logger } from 'pino';

/** How often, while draining, connections that became idle are closed. */
const IDLE_SWEEP_MS = 50;

export interface Drainer {
  /** For `http.createServer`'s options: the response class that answers `Connection: close` while draining. */
  ServerResponse: typeof ServerResponse;
  /** Drains `server` (created with `ServerResponse` above) and resolves once it is closed. */
  drain(server: Server, deadlineMs: number): Promise<void>;
}

/**
 * One drainer per server. Until the drain starts it costs one boolean test per response.
 *
 * @example
 * const drainer = createDrainer(logger)
 * const server = http.createServer({ ServerResponse: drainer.ServerResponse }, listener)
 * process.once('SIGTERM', () => drainer.drain(server, 10_000).then(() => process.exit(0)))
 */
export function createDrainer(logger: Logger): Drainer {
  let draining: Promise<void> | undefined;

  class DrainingAwareResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
    // Node decides keep-alive when it writes the head (an implicit head goes through here too).
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (draining !== undefined) this.shouldKeepAlive = false;
      return (super.writeHead as (statusCode: number, ...rest: unknown[]) => this)(statusCode, ...rest);
    }
  }

  return {
    ServerResponse: DrainingAwareResponse as typeof ServerResponse,
    drain(server, deadlineMs) {
      draining ??= new Promise<void>((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        const deadline = setTimeout(() => {
          logger.warn({ deadlineMs }, 'shutdown deadline passed: closing the connections still open');
          server.closeAllConnections();
        }, deadlineMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return draining;
    },
  };
}
