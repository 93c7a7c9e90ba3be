/**
 * Every failure Threadgate reports has one stable lowercase code. The code goes on the wire as
 * `{"error": code, "message": text}`; this file is the single table from code to HTTP status and
 * public message (fastify's lib/errors.js keeps the same three side by side).
 *
 * Public text and private detail are separate, as in oidc-provider: `message` is safe to send and
 * never contains a token, key or secret; `detail` is only logged.
 */

/** The catalogue: code → HTTP status and the default public message. Documented in docs/errors.md. */
export const ERROR_CATALOGUE = {
  authentication_required: { status: 401, message: 'A credential is required for this route.' },
  invalid_token: { status: 401, message: 'The token is malformed.' },
  invalid_signature: { status: 401, message: 'The token signature is invalid.' },
  token_expired: { status: 401, message: 'The token has expired.' },
  token_not_yet_valid: { status: 401, message: 'The token is not yet valid.' },
  invalid_claims: { status: 401, message: 'A token claim is missing or invalid.' },
  unknown_signing_key: { status: 401, message: 'The token names a signing key that is not known.' },
  unknown_issuer: { status: 401, message: 'The token issuer is not accepted here.' },
  id_token_not_accepted: { status: 401, message: 'An ID token was sent where an access token is required.' },
  invalid_api_key: { status: 401, message: 'The API key is invalid or revoked.' },
  invalid_refresh_token: { status: 401, message: 'The refresh token is invalid, expired or revoked.' },
  refresh_token_reused: { status: 401, message: 'The refresh token was already used; its session has been revoked.' },
  token_revoked: { status: 401, message: 'The credential behind this token has been revoked.' },
  invalid_admin_key: { status: 401, message: 'The admin key is invalid.' },
  forbidden: { status: 403, message: 'The credential does not allow this action.' },
  invalid_signed_url: { status: 403, message: 'The signed URL is invalid.' },
  signed_url_expired: { status: 403, message: 'The signed URL has expired.' },
  not_found: { status: 404, message: 'The resource does not exist.' },
  method_not_allowed: { status: 405, message: 'The method is not allowed on this route.' },
  conflict: { status: 409, message: 'The request conflicts with the current state of the resource.' },
  lease_mismatch: { status: 409, message: 'The message does not hold this run lease.' },
  run_ended: { status: 409, message: 'The run lease has ended.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  unsupported_media_type: { status: 415, message: 'The request body must be JSON.' },
  validation_error: { status: 400, message: 'The request is invalid.' },
  bad_request: { status: 400, message: 'The request is not valid HTTP.' },
  request_timeout: { status: 408, message: 'The request took too long to arrive.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  feature_disabled: { status: 404, message: 'This feature is disabled on this server.' },
  embeddings_unavailable: { status: 503, message: 'The embeddings provider is unreachable; retry later or search by keyword.' },
  provider_unavailable: { status: 503, message: 'The identity provider is unreachable and no cached keys can verify this token.' },
  model_unavailable: { status: 502, message: 'The model provider failed or answered something that is not a model response.' },
  model_timeout: { status: 504, message: 'The model provider did not answer in time.' },
  database_unavailable: { status: 503, message: 'The database is unreachable or too slow to answer; retry later.' },
  server_error: { status: 500, message: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code, the same lowercase string that goes on the wire. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface ThreadgateErrorOptions {
  /** Public text; defaults to the catalogue's message. Must never contain a secret. */
  message?: string;
  /** Private detail for logs only. */
  detail?: string;
  /** Extra public fields that go into the JSON body (e.g. `claim`, `field`). */
  fields?: Record<string, string | number>;
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * Base type of every expected failure. Callers `switch` on `code`.
 *
 * @example
 * throw new ThreadgateError('not_found')
 */
export class ThreadgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly fields: Record<string, string | number>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: ThreadgateErrorOptions = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.detail = options.detail;
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }

  /** The JSON body that goes on the wire. */
  toJSON(): Record<string, string | number> {
    return { error: this.code, message: this.message, ...this.fields };
  }
}

/** A credential problem: always 401 and carries an RFC 6750 challenge. */
export class AuthError extends ThreadgateError {}

export class AuthenticationRequired extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('authentication_required', options); }
}
export class TokenInvalid extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('invalid_token', options); }
}
export class SignatureInvalid extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('invalid_signature', options); }
}
export class TokenExpired extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('token_expired', options); }
}
export class TokenNotYetValid extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('token_not_yet_valid', options); }
}
/** A claim is missing or wrong; `claim` names it (it is public: claim names are not secret). */
export class ClaimMismatch extends AuthError {
  readonly claim: string;
  constructor(claim: string, options: ThreadgateErrorOptions = {}) {
    super('invalid_claims', {
      message: options.message ?? `The "${claim}" claim is missing or invalid.`,
      ...options,
      fields: { claim, ...options.fields },
    });
    this.claim = claim;
  }
}
export class UnknownKeyId extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('unknown_signing_key', options); }
}
export class ApiKeyInvalid extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('invalid_api_key', options); }
}
export class RefreshTokenInvalid extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('invalid_refresh_token', options); }
}
export class RefreshTokenReused extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('refresh_token_reused', options); }
}
export class TokenRevoked extends AuthError {
  constructor(options: ThreadgateErrorOptions = {}) { super('token_revoked', options); }
}

/** The principal may not do this (scope, agent limit, hook). */
export class PolicyDenied extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('forbidden', options); }
}
export class NotFound extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('not_found', options); }
}
export class Conflict extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('conflict', options); }
}
/** Bad input; `field` names the offending field (dotted path). */
export class ValidationFailed extends ThreadgateError {
  constructor(field: string, message: string) {
    super('validation_error', { message: `${field}: ${message}`, fields: { field } });
  }
}
export class RateLimited extends ThreadgateError {
  constructor(retryAfterSeconds: number) {
    super('rate_limited', { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }
}
/** The agent's model provider is down, refused the call, or answered garbage (502). */
export class ModelUnavailable extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('model_unavailable', options); }
}
/** The model call outlived the run timeout (504). */
export class ModelTimeout extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('model_timeout', options); }
}
/** Infrastructure, not a credential problem: the identity provider's keys cannot be had (503). */
export class JwksUnavailable extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('provider_unavailable', options); }
}
/**
 * Infrastructure: the database could not be reached, or did not answer within its timeouts
 * (THREADGATE_DATABASE_CONNECT_TIMEOUT_MS, THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS). 503, never a hang.
 */
export class DatabaseUnavailable extends ThreadgateError {
  constructor(options: ThreadgateErrorOptions = {}) { super('database_unavailable', options); }
}
