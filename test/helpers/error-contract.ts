/**
 * The error contract, asserted one way for both places an error shows (as jose's tests do: the
 * class alone is not enough): the stable `code` that goes on the wire, a non-empty message, no
 * secret echoed; over HTTP also the status, and a 401's RFC 6750 challenge.
 *
 * @example
 * expectError(await t.call('GET', '/v1/me'), 401, 'missing_token')          // a response
 * await expectError(() => verifyApiKey(store, 'tg_bad', ids), 'invalid_api_key') // a call that must throw
 */
import assert from 'node:assert/strict';
import { ThreadgateError, type ErrorCode } from '../../src/errors.js';

export interface ErrorResponse {
  status: number;
  body: any;
  headers: Headers;
}

export interface ThrownErrorOptions {
  /** The claim the error names (`fields.claim`). */
  claim?: string;
  /** The field the error names (`fields.field`). */
  field?: string;
  /** Texts the error must not contain. */
  secrets?: string[];
  /** Said when `fn` succeeds, to tell the failing case apart. */
  message?: string;
}

/** A response: its status, code, message, no secret echoed, and a 401's `WWW-Authenticate`. */
export function expectError(res: ErrorResponse, status: number, code: string, secrets?: string[]): void;
/** A call (sync or async) that must fail with a `ThreadgateError` of `code`. */
export function expectError(fn: () => unknown, code: ErrorCode, options?: ThrownErrorOptions): Promise<void>;
export function expectError(
  subject: ErrorResponse | (() => unknown),
  statusOrCode: number | ErrorCode,
  codeOrOptions?: string | ThrownErrorOptions,
  secrets: string[] = [],
): void | Promise<void> {
  if (typeof subject === 'function') return expectThrown(subject, statusOrCode as ErrorCode, (codeOrOptions ?? {}) as ThrownErrorOptions);
  expectResponse(subject, statusOrCode as number, codeOrOptions as string, secrets);
}

function expectResponse(res: ErrorResponse, status: number, code: string, secrets: string[]): void {
  if (res.status !== status || res.body?.error !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (typeof res.body.message !== 'string' || res.body.message.length === 0) throw new Error('error without a message');
  const text = JSON.stringify(res.body);
  for (const secret of secrets) {
    if (secret.length > 0 && text.includes(secret)) throw new Error('the error body echoes a secret');
  }
  if (status === 401 && !/^Bearer realm="threadgate"/.test(res.headers.get('www-authenticate') ?? '')) {
    throw new Error('a 401 without an RFC 6750 WWW-Authenticate header');
  }
}

async function expectThrown(fn: () => unknown, code: ErrorCode, options: ThrownErrorOptions): Promise<void> {
  let failed = false;
  try {
    await fn();
  } catch (error) {
    failed = true;
    assert.ok(error instanceof ThreadgateError, `expected a ThreadgateError with code ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `expected code ${code}, got ${error.code} (${error.message}; ${error.detail ?? ''})`);
    assert.ok(typeof error.message === 'string' && error.message.length > 0, 'error without a message');
    if (options.claim !== undefined) assert.equal(error.fields.claim, options.claim, `expected claim ${options.claim}`);
    if (options.field !== undefined) assert.equal(error.fields.field, options.field, `expected field ${options.field}`);
    for (const secret of options.secrets ?? []) {
      if (secret.length > 0) assert.ok(!JSON.stringify(error.toJSON()).includes(secret), 'the error echoes a secret');
    }
  }
  assert.ok(failed, `expected ${code}${options.message ? ` (${options.message})` : ''}, but it succeeded`);
}
