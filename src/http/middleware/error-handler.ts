/**
 * Turns every failure into `{"error": code, "message": text}` with the catalogue's status.
 * A 401 carries an RFC 6750 §3 `WWW-Authenticate` challenge; `error=` is left out when no
 * credential was sent (§3.1). Anything unexpected is logged with its detail and answered as
 * `server_error`, so internals (and any secret inside an exception) never reach the client.
 * A refused credential is logged and counted per client address first (auth-failures.ts), every
 * route's failures passing here, so none can skip it. It runs inside an application built by
 * createApp (its dependencies come from the request pipeline: platform/http/pipeline.ts).
 */
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AuthError, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { AppEnv } from '../context.js';
import { sendJson } from '../respond.js';
import { depsOf } from '../../platform/http/pipeline.js';

const REALM = 'threadgate';

function quoted(text: string): string {
  // RFC 6750 §3: error_description uses %x20-21 / %x23-5B / %x5D-7E; drop '"' and '\'.
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
}

function challenge(error: ThreadgateError): string | undefined {
  if (error.status === 401) {
    if (error.code === 'authentication_required') return `Bearer realm="${REALM}"`;
    return `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted(error.message)}"`;
  }
  if (error.status === 403 && typeof error.fields.scope === 'string') {
    return `Bearer realm="${REALM}", error="insufficient_scope", scope="${quoted(error.fields.scope)}"`;
  }
  return undefined;
}

/** Writes a ThreadgateError as the JSON response. */
export function respondWithError(c: Context, error: ThreadgateError): Response {
  const headers: Record<string, string> = { ...error.headers };
  const wwwAuthenticate = challenge(error);
  if (wwwAuthenticate !== undefined) headers['WWW-Authenticate'] = wwwAuthenticate;
  if (error.status === 401 || error.status === 403) headers['Cache-Control'] = 'no-store';
  return sendJson(c, error.toJSON(), error.status as 400, headers);
}

function fromHttpException(error: HTTPException): ThreadgateError {
  if (error.status === 413) return new ThreadgateError('payload_too_large');
  if (error.status === 415) return new ThreadgateError('unsupported_media_type');
  if (error.status === 400) return new ValidationFailed('body', 'is not valid JSON');
  if (error.status === 404) return new ThreadgateError('not_found');
  return new ThreadgateError('server_error');
}

export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  // A refused credential (not a missing one) is logged and counted per address, and may be
  // answered rate_limited instead once the address is over the limit (auth-failures.ts).
  const authFailures = error instanceof AuthError && error.code !== 'authentication_required' ? depsOf(c).authFailures : undefined;
  if (authFailures !== undefined) {
    return authFailures.failed(c, error as AuthError).then(
      (answer) => respondWithError(c, answer),
      () => respondWithError(c, error as AuthError),
    );
  }
  if (error instanceof ThreadgateError) {
    if (error.status >= 500 || error.detail !== undefined) {
      depsOf(c).logger.warn({ code: error.code, detail: error.detail, path: c.req.path }, 'request failed');
    }
    return respondWithError(c, error);
  }
  if (error instanceof HTTPException) return respondWithError(c, fromHttpException(error));
  depsOf(c).logger.error({ err: error, path: c.req.path, method: c.req.method }, 'unexpected error');
  return respondWithError(c, new ThreadgateError('server_error'));
};
