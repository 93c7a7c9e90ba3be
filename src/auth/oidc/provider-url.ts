/**
 * Which identity-provider URLs (JWKS, OIDC discovery) Threadgate will fetch. Keys fetched over plain
 * HTTP can be swapped by anyone on the path, and then any token verifies (RFC 8725 §3.9 asks for
 * trusted key sources; OIDC Discovery §4 requires TLS). So:
 *
 * - `https:` is always allowed;
 * - `http:` is allowed when the host is loopback (`localhost`, `127.0.0.0/8`, `::1`: a provider on
 *   the same machine), in development mode, or with THREADGATE_ALLOW_HTTP_IDP=true;
 * - nothing else (`file:`, `data:`, ...), no user name or password in the URL, no fragment.
 *
 * The rule's own URLs are checked when the rule is saved, and a `jwks_uri` found by discovery is
 * checked again before it is fetched.
 */

export interface ProviderUrlPolicy {
  /** True in development mode or with THREADGATE_ALLOW_HTTP_IDP=true. */
  allowHttp: boolean;
}

/** Longest provider URL we accept. */
export const MAX_PROVIDER_URL_LENGTH = 2048;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why `url` may not be fetched under `policy`, or undefined when it may.
 *
 * @example
 * providerUrlProblem('http://idp.example.com/jwks', { allowHttp: false })
 * // 'must use https (plain http is allowed for loopback hosts, in development, or with THREADGATE_ALLOW_HTTP_IDP=true)'
 * providerUrlProblem('http://127.0.0.1:9000/jwks', { allowHttp: false }) // undefined
 */
export function providerUrlProblem(url: string, policy: ProviderUrlPolicy): string | undefined {
  if (typeof url !== 'string' || url.length === 0) return 'must be a URL';
  if (url.length > MAX_PROVIDER_URL_LENGTH) return `must be at most ${MAX_PROVIDER_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https URL';
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password';
  if (parsed.hash !== '' || url.includes('#')) return 'must not have a fragment';
  if (parsed.protocol === 'http:' && !policy.allowHttp && !isLoopback(parsed.hostname)) {
    return 'must use https (plain http is allowed for loopback hosts, in development, or with THREADGATE_ALLOW_HTTP_IDP=true)';
  }
  return undefined;
}

/**
 * The policy a configuration sets: plain http is allowed in development and with
 * THREADGATE_ALLOW_HTTP_IDP=true (loopback hosts are always allowed).
 *
 * @example
 * const policy = providerUrlPolicyOf(config)
 */
export function providerUrlPolicyOf(config: { mode?: 'development' | 'production'; allowHttpIdp?: boolean }): ProviderUrlPolicy {
  return { allowHttp: config.mode === 'development' || config.allowHttpIdp === true };
}
