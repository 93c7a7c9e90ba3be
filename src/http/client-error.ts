/**
 * Requests that never reach the application: Node's HTTP parser refuses them (headers past
 * Node's limit, a malformed request line, a request that took longer than `requestTimeout`) and
 * emits `clientError` on the server. Without a listener Node answers with a bare status line and
 * no body; this listener answers the same status with the JSON error contract instead, the API
 * security headers and `Connection: close`, then closes the connection (the parser cannot go on
 * after such an error). CORS headers are left out: the request's `Origin` was never parsed.
 *
 * It writes only when Node itself would have (nothing of a response sent yet on this socket), so
 * it never corrupts an answer already under way.
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ThreadgateError, type ErrorCode } from '../errors.js';
import { API_SECURITY_HEADERS } from './middleware/standard-headers.js';

/** Node's parser error code → ours (Node answers the same statuses, bare). */
function codeOf(error: NodeJS.ErrnoException): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'payload_too_large';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout';
    default:
      return 'bad_request';
  }
}

/**
 * The raw HTTP/1.1 answer for a `clientError`: status line, headers and JSON body.
 *
 * @example
 * clientErrorResponse(Object.assign(new Error(), { code: 'HPE_HEADER_OVERFLOW' })) // 'HTTP/1.1 431 ...'
 */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const failure = new ThreadgateError(codeOf(error));
  const body = JSON.stringify(failure.toJSON());
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Installs the listener on `server`.
 *
 * @example
 * answerClientErrors(server, logger)
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }) => {
    // A reset connection has no one left to answer (Node's own handler skips it as well).
    if (error.code !== 'ECONNRESET') logger.debug({ code: error.code }, 'refused a request the HTTP parser could not read');
    const responding = socket._httpMessage?.headersSent === true;
    if (socket.writable && !responding && error.code !== 'ECONNRESET') {
      // Closed once the answer is flushed: the parser cannot read anything more on it.
      socket.end(clientErrorResponse(error), () => socket.destroy());
    } else {
      socket.destroy();
    }
  });
}
