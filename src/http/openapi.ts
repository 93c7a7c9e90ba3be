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
    503: 'Identity provider or database unavailable',
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

/**
 * What one stored JSON value (thread metadata, message content, a run report, event props) may
 * hold: at most 64 levels of nested objects and arrays, and at most 100,000 values in all (every
 * object, array, string, number, boolean and null counts one). Its bytes are bounded by the body
 * limit (THREADGATE_BODY_LIMIT_BYTES). A value nested thousands deep used to be stored and then
 * broke, with a stack overflow, every list that included it (docs/data-model.md).
 */
export const STORED_JSON_LIMITS = Object.freeze({ maxDepth: 64, maxValues: 100_000 });

/** Why a value is outside the limits, and under which top-level member (for an object). */
export interface JsonBoundsProblem {
  message: string;
  /** The top-level member that holds the offending part, when the value is an object and it is in one. */
  member?: string;
}

/**
 * Checks `value` against `limits` without recursion (an explicit stack, so hostile nesting cannot
 * overflow the call stack) and in linear time: each value is visited once, values are counted as
 * they are reached, and the walk stops at the first one past a limit.
 *
 * @example
 * jsonBoundsProblem(JSON.parse('[[[]]]'), { maxDepth: 2, maxValues: 10 }) // { message: 'nests deeper than 2 levels' }
 */
export function jsonBoundsProblem(value: unknown, limits: { maxDepth: number; maxValues: number } = STORED_JSON_LIMITS): JsonBoundsProblem | undefined {
  // Side by side: a value, its depth (the containers around it), the top-level member it is under.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const members: (string | undefined)[] = [undefined];
  const problem = (message: string, member: string | undefined): JsonBoundsProblem => (member === undefined ? { message } : { message, member });
  // Counted when reached, so a wide array is refused before its items are put on the stack.
  let counted = 1;
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    const member = members.pop();
    if (current === null || typeof current !== 'object') continue;
    const inner = depth + 1;
    if (inner > limits.maxDepth) return problem(`nests deeper than ${limits.maxDepth} levels`, member);
    const keys = Array.isArray(current) ? undefined : Object.keys(current);
    counted += keys === undefined ? (current as unknown[]).length : keys.length;
    if (counted > limits.maxValues) return problem(`holds more than ${limits.maxValues} values`, member);
    if (keys === undefined) {
      for (const item of current as unknown[]) {
        values.push(item);
        depths.push(inner);
        members.push(member);
      }
    } else {
      for (const key of keys) {
        values.push((current as Record<string, unknown>)[key]);
        depths.push(inner);
        members.push(depth === 0 ? key : member);
      }
    }
  }
  return undefined;
}

const LIMITS_NOTE = `Stored JSON: at most ${STORED_JSON_LIMITS.maxDepth} levels of nesting and ${STORED_JSON_LIMITS.maxValues} values.`;

/**
 * A field whose value is stored as JSON: `schema`, refused with `validation_error` naming the
 * field when the value is past STORED_JSON_LIMITS. Use it for every stored JSON field.
 *
 * @example
 * z.object({ metadata: storedJson(z.unknown()).optional() })
 */
export function storedJson<T extends z.ZodType>(schema: T) {
  return schema
    .superRefine((value, ctx) => {
      const problem = jsonBoundsProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem.message });
    })
    .openapi({ description: LIMITS_NOTE });
}

/**
 * A body stored whole as JSON (a run report): like `storedJson`, and the refusal names the
 * top-level member that holds the offending part.
 *
 * @example
 * storedJsonDocument(z.looseObject({ status: z.string() }))
 */
export function storedJsonDocument<T extends z.ZodType>(schema: T) {
  return schema.superRefine((value, ctx) => {
    const problem = jsonBoundsProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.member !== undefined ? [problem.member] : [] });
  });
}

/** A JSON object stored as it is (the content of a message), within STORED_JSON_LIMITS. */
export const JsonObject = storedJson(z.record(z.string(), z.unknown()));

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
