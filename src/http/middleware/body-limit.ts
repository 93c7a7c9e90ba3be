/**
 * The request body limit (THREADGATE_BODY_LIMIT_BYTES), for the methods that carry a body.
 *
 * Hono's `bodyLimit` looks at `c.req.raw.body` first, which on @hono/node-server builds a full
 * undici `Request` with a web stream over the socket; the handler then reads the body through
 * that stream instead of @hono/node-server's direct read, a large share of every request's time
 * (docs/benchmarks.md). On HTTP/1.x the limit needs no body at all:
 * Node's parser reads exactly `Content-Length` bytes, refuses a request with both
 * `Content-Length` and `Transfer-Encoding` or with conflicting lengths, and a request with neither
 * has no body (RFC 9112 §6.3). So a declared length is compared with the limit, and only a chunked
 * body (`Transfer-Encoding`, length unknown) or a request from elsewhere (HTTP/2, `app.request`)
 * goes through Hono's `bodyLimit`, which counts the bytes as they arrive.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ThreadgateError } from '../../errors.js';
import type { AppEnv } from '../context.js';
import { requestHeader } from '../request-header.js';

interface NodeEnv {
  incoming?: { httpVersionMajor?: number };
}

/**
 * @example
 * app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '*', limitBody(1024 * 1024))
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (): never => {
    throw new ThreadgateError('payload_too_large', { message: `The request body is larger than ${maxBytes} bytes.` });
  };
  const counting = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return function limitRequestBody(c, next) {
    if ((c.env as NodeEnv | undefined)?.incoming?.httpVersionMajor === 1 && requestHeader(c, 'transfer-encoding') === undefined) {
      const declared = requestHeader(c, 'content-length');
      if (declared === undefined) return next();
      if (/^\d{1,15}$/.test(declared)) return Number(declared) > maxBytes ? tooLarge() : next();
    }
    return counting(c, next);
  };
}
