/**
 * One bounded GET of a JSON document from an identity provider (discovery or JWKS): a timeout, a
 * size limit read as the body streams in (a `Content-Length` is not trusted), no redirects (a
 * redirect could lead to a URL the provider-URL policy would refuse), status 200 only.
 *
 * Failures are `ProviderFetchError`s with a short reason for logs; callers turn them into
 * `provider_unavailable` or `unknown_signing_key` as their caching rules say.
 */

/** A failed fetch of a provider document; `message` is safe to log (it has no secrets). */
export class ProviderFetchError extends Error {
  override name = 'ProviderFetchError';
}

export interface FetchJsonOptions {
  /** Abort after this many milliseconds (THREADGATE_IDP_TIMEOUT_MS, default 5000). */
  timeoutMs: number;
  /** Refuse a body larger than this many bytes. */
  maxBytes: number;
}

/** The subset of `fetch` this needs (a test seam: STYLE.md's `deps`). */
export type FetchLike = (url: string, init: { method: 'GET'; headers: Record<string, string>; redirect: 'error'; signal: AbortSignal }) => Promise<Response>;

/**
 * Fetches `url` and parses its JSON body. Throws `ProviderFetchError` on a network failure,
 * timeout, redirect, non-200 status, oversized body or invalid JSON.
 *
 * Does not check what the JSON says: discovery.ts and jwks-cache.ts do.
 *
 * @example
 * const doc = await fetchJson('https://idp.example.com/.well-known/openid-configuration', { timeoutMs: 5000, maxBytes: 131072 })
 */
export async function fetchJson(url: string, options: FetchJsonOptions, fetchImpl: FetchLike = fetch): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProviderFetchError(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) throw new ProviderFetchError(`timed out after ${options.timeoutMs} ms`);
      throw new ProviderFetchError(`request failed: ${describe(error)}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new ProviderFetchError(`answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new ProviderFetchError(`body larger than ${options.maxBytes} bytes`);
    }
    const text = await readBounded(res, options.maxBytes, controller.signal);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderFetchError('body is not JSON');
    }
  } finally {
    clearTimeout(timer);
  }
}

async function readBounded(res: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ProviderFetchError(`body larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ProviderFetchError) throw error;
    if (signal.aborted) throw new ProviderFetchError('timed out while reading the body');
    throw new ProviderFetchError(`reading the body failed: ${describe(error)}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ProviderFetchError('body is not UTF-8');
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}
