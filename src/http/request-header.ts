/**
 * Reads a request header without building a Fetch `Headers` object. On @hono/node-server,
 * `c.req.header()` turns the whole Node header list into undici `Headers` on first use, which costs
 * more than the rest of a cached authentication; the Node request's raw header list is already
 * there. Repeated headers are joined with ", ", exactly as `Headers.get` does, so a request with
 * two `Authorization` headers still reads as one malformed value (and is refused), never as the
 * first of the two.
 *
 * Outside @hono/node-server (`app.request()` in tests, other runtimes) it is `c.req.header(name)`.
 */
import type { Context } from 'hono';

interface NodeEnv {
  incoming?: { rawHeaders?: readonly string[] };
}

/**
 * @param name lower-case header name
 * @example
 * const authorization = requestHeader(c, 'authorization')
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const raw = rawHeadersOf(c.env);
  return raw === undefined ? c.req.header(name) : rawHeader(raw, name);
}

/** Node's raw header list when the request came through @hono/node-server (its bindings), else `undefined`. */
export function rawHeadersOf(bindings: unknown): readonly string[] | undefined {
  return (bindings as NodeEnv | undefined)?.incoming?.rawHeaders;
}

/**
 * A header from Node's raw list (`[name, value, name, value, ...]`), repeated ones joined as
 * `Headers.get` joins them.
 *
 * @param name lower-case header name
 */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const item = normalize(raw[i + 1]!);
    value = value === undefined ? item : `${value}, ${item}`;
  }
  return value;
}

/** Fetch's header value normalization: strip leading and trailing HTTP whitespace (tab, space, CR, LF). */
function normalize(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  const isWhitespace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
  return value.length > 0 && (isWhitespace(first) || isWhitespace(last)) ? value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '') : value;
}
