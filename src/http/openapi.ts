/**
 * Shared OpenAPI schemas: the error body every failure uses, and the wire shapes of threads and
 * messages exactly as the `assistant-cloud` client decodes them (timestamps are canonical ISO
 * strings, `Date#toISOString()`).
 */
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../errors.js';

export const ErrorSchema = z
  .object({
    error: z.enum(ERROR_CODES as [string, ...string[]]).openapi({ example: 'not_found' }),
    message: z.string().openapi({ example: 'The resource does not exist.' }),
    field: z.string().optional().openapi({ description: 'With validation_error: the offending field.' }),
    claim: z.string().optional().openapi({ description: 'With invalid_claims: the offending claim.' }),
    scope: z.string().optional().openapi({ description: 'With forbidden from a scope check: the missing scope.' }),
  })
  .openapi('Error');

/** Error responses a route can give, by status; each uses the shared Error schema. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid request (validation_error names the field)',
    401: 'No valid credential (RFC 6750 WWW-Authenticate header)',
    403: 'The credential does not allow this action',
    404: 'Not found, or not in the caller\'s workspace',
    409: 'Conflict with the current state',
    413: 'Body too large',
    429: 'Rate limited (Retry-After header)',
    503: 'Identity provider unavailable',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}

const IsoTimestamp = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });

export const ThreadSchema = z
  .object({
    id: z.string(),
    project_id: z.string(),
    workspace_id: z.string(),
    title: z.string(),
    last_message_at: IsoTimestamp,
    metadata: z.unknown(),
    external_id: z.string().nullable(),
    is_archived: z.boolean(),
    created_at: IsoTimestamp,
    updated_at: IsoTimestamp,
  })
  .openapi('Thread');

export const MessageSchema = z
  .object({
    id: z.string(),
    parent_id: z.string().nullable(),
    height: z.number().int(),
    format: z.string(),
    content: z.record(z.string(), z.unknown()),
    external_id: z.string().nullable(),
    created_at: IsoTimestamp,
    updated_at: IsoTimestamp,
    run: z
      .object({
        status: z.enum(['running', 'ended']),
        last_heartbeat_ms_ago: z.number().int().openapi({ description: 'Milliseconds since the lease\'s last beat, when the list was read.' }),
      })
      .optional()
      .openapi({ description: 'On a message that had a run lease: the lease, running or ended. The server never ends one by itself.' }),
  })
  .openapi('Message');

/** A JSON object (content of a message, metadata). */
export const JsonObject = z.record(z.string(), z.unknown());

/**
 * Free text stored as it is (a title, a name, an external id, a comment). PostgreSQL's `text`
 * cannot hold U+0000 and answered such a value with a server error; neither database gets it now,
 * and the request is refused naming the field.
 *
 * @example
 * z.object({ title: storedText(1000).optional() })
 */
export function storedText(max: number, min = 0) {
  return z.string().min(min).max(max).regex(/^[^\u0000]*$/, 'must not contain the NUL character (U+0000)');
}

/** Path parameter of an id: printable, bounded. */
export const IdParam = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
