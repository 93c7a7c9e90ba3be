/**
 * Responses whose headers stay a plain object from the handler to the socket.
 *
 * Every response carries the same security and CORS headers (middleware/standard-headers.ts).
 * Added the usual way (`c.res.headers.set` after the handler, or `c.header` before it), they turn
 * the response's headers into undici `Headers`, which @hono/node-server then copies back into an
 * object for Node: on a cached authentication that bookkeeping cost more than everything else the
 * request did (docs/benchmarks.md). Handlers answer through `sendJson` / `sendEmpty` instead, which
 * build the response with the request's standard headers already in it, as one plain object, and
 * mark it so the middleware leaves it alone. A response built any other way still gets the same
 * headers, the slower way, so nothing can leave without them.
 */
import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { InvalidJSONValue, JSONParsed, JSONValue } from 'hono/utils/types';
import { standardHeaderSetsOf } from '../platform/http/pipeline.js';
import { markComplete } from './response-mark.js';

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The headers every response of this request carries: what the authorization step set (the
 * standard set, plus an exchanged token), else the application's standard set for the request.
 * Often one frozen object shared by many requests: never change it, use `addResponseHeader`.
 */
export function standardHeadersOf(c: Context): Readonly<Record<string, string>> {
  return headerSetOf(c) ?? NONE;
}

/** What the authorization step set, else the application's set; `undefined` outside an application. */
function headerSetOf(c: Context): Readonly<Record<string, string>> | undefined {
  return (c.get('responseHeaders') as Readonly<Record<string, string>> | undefined) ?? standardHeaderSetsOf(c)?.forRequest(c);
}

/**
 * Adds a header to every response of this request, whichever way it is answered (success or
 * error). For middleware that runs before the handler: rate-limit counters, an exchanged token.
 *
 * @example
 * addResponseHeader(c, 'RateLimit-Remaining', '9')
 */
export function addResponseHeader(c: Context, name: string, value: string): void {
  const headers = headerSetOf(c);
  if (headers === undefined) c.header(name, value);
  // Copied on write: the standard set is shared by every request.
  else c.set('responseHeaders', { ...headers, [name]: value });
}

/** The standard set plus a content type, built once per standard set. */
const withJsonType = new WeakMap<object, Readonly<Record<string, string>>>();

/**
 * A 401 never carries a token exchanged earlier in the request (authorize.ts): the request was not
 * authenticated after all.
 */
function headersFor(c: Context, status: number, extra: Record<string, string> | undefined, json: boolean): Readonly<Record<string, string>> {
  const standard = standardHeadersOf(c);
  if (extra === undefined && status !== 401) {
    if (!json) return standard;
    if (!Object.isFrozen(standard)) return { ...standard, 'Content-Type': 'application/json' };
    let headers = withJsonType.get(standard);
    if (headers === undefined) {
      headers = Object.freeze({ ...standard, 'Content-Type': 'application/json' });
      withJsonType.set(standard, headers);
    }
    return headers;
  }
  const headers: Record<string, string> = { ...standard, ...extra };
  if (status === 401) delete headers.Authorization;
  if (json) headers['Content-Type'] = 'application/json';
  return headers;
}

/**
 * `c.json(body, status, headers)` with the standard headers in one plain object.
 *
 * @example
 * return sendJson(c, { thread_id: thread.id }, 201)
 */
export function sendJson<T extends JSONValue | {} | InvalidJSONValue, U extends ContentfulStatusCode>(
  c: Context,
  body: T,
  status: U,
  headers?: Record<string, string>,
): Response & TypedResponse<JSONParsed<T>, U, 'json'> {
  const response = new Response(JSON.stringify(body), { status, headers: headersFor(c, status, headers, true) });
  return markComplete(response) as Response & TypedResponse<JSONParsed<T>, U, 'json'>;
}

/**
 * `c.body(null, 204)` with the standard headers.
 *
 * @example
 * return sendEmpty(c)
 */
export function sendEmpty(c: Context, headers?: Record<string, string>): Response & TypedResponse<null, 204, 'body'> {
  const response = new Response(null, { status: 204, headers: headersFor(c, 204, headers, false) });
  return markComplete(response) as Response & TypedResponse<null, 204, 'body'>;
}
