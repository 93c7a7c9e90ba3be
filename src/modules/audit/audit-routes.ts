/**
 * `GET /admin/v1/audit` (admin key): the audit log, newest first, in keyset pages, filtered by
 * kind, actor, object and time range. docs/audit.md.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ValidationFailed } from '../../errors.js';
import type { AppEnv } from '../../http/context.js';
import { createRouteModule, declareRoute } from '../../http/define-route.js';
import { errorResponses, IdParam } from '../../http/openapi.js';
import { sendJson } from '../../http/respond.js';
import { EVENT_TYPES } from '../../platform/events/bus.js';
import type { AuditRecord } from './audit-repository.js';

const ACTORS = ['admin_key', 'cli', 'anonymous', 'system'] as const;

export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ description: 'ISO 8601 time.' }),
    kind: z.string().openapi({ example: 'api_key.revoked' }),
    actor: z.object({ kind: z.enum(ACTORS), name: z.string().nullable().openapi({ description: 'The CLI\'s operating-system user, if known.' }) }),
    address: z.string().nullable().openapi({ description: 'The client address (admin API requests, refused credentials).' }),
    route: z.string().nullable().openapi({ example: 'DELETE /admin/v1/api-keys/key_0j7x0kz4' }),
    object: z.object({ type: z.string(), id: z.string() }).nullable(),
    detail: z.record(z.string(), z.unknown()).openapi({ description: 'before/after of a change, a refusal\'s code and credential kind; never a secret.' }),
  })
  .openapi('AuditEvent');

/** `<at>.<id>` of the last event of a page, base64url: opaque to clients. */
export function encodeCursor(record: AuditRecord): string {
  return Buffer.from(`${record.at}.${record.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16})\.([\x21-\x7e]{1,128})$/.exec(text);
  if (match === null) throw new ValidationFailed('cursor', 'is not a cursor this server handed out');
  return { at: Number(match[1]), id: match[2]! };
}

export function toWireAuditEvent(record: AuditRecord) {
  return {
    id: record.id,
    at: new Date(record.at).toISOString(),
    kind: record.kind,
    actor: { kind: record.actor, name: record.actorName },
    address: record.address,
    route: record.route,
    object: record.objectType !== null && record.objectId !== null ? { type: record.objectType, id: record.objectId } : null,
    detail: record.detail,
  };
}

const listAudit = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/audit',
  tags: ['admin'],
  summary: 'List audit events (admin actions and refused credentials), newest first',
  request: {
    query: z.object({
      kind: z.enum(EVENT_TYPES as [string, ...string[]]).optional().openapi({ description: 'Only events of this kind, e.g. auth.failed.' }),
      actor: z.enum(ACTORS).optional(),
      object: IdParam.optional().openapi({ description: 'Only events about this object id (an API key, a rule, a user).' }),
      since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'From this time (inclusive).' }),
      until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Before this time (exclusive).' }),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(400).optional().openapi({ description: 'next_cursor of the previous page.' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of audit events',
      content: { 'application/json': { schema: z.object({ events: z.array(AuditEventSchema), next_cursor: z.string().nullable() }) } },
    },
    ...errorResponses(400, 401),
  },
});

export function auditRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  app.openapi(listAudit, async (c) => {
    const deps = depsOf(c);
    const query = c.req.valid('query');
    const records = await deps.audit.list({
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
      ...(query.object !== undefined ? { objectId: query.object } : {}),
      ...(query.since !== undefined ? { since: Date.parse(query.since) } : {}),
      ...(query.until !== undefined ? { until: Date.parse(query.until) } : {}),
      ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}),
      limit: query.limit,
    });
    const last = records.at(-1);
    return sendJson(c, { events: records.map(toWireAuditEvent), next_cursor: records.length === query.limit && last !== undefined ? encodeCursor(last) : null }, 200);
  });
  return app;
}
