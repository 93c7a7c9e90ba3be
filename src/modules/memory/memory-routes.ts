/**
 * The memory API (docs/memory.md): `/v1/memories` for a user's own memories, declared once with
 * zod + OpenAPI and their policy (scopes `memory:read` / `memory:write`), and the admin routes
 * under `/admin/v1/users/{userId}/memories`. Handlers are thin: the rules are in memory-service.ts.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound, ThreadgateError, ValidationFailed } from '../../errors.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { declareRoute, createRouteModule } from '../../http/define-route.js';
import { requirePrincipal } from '../../http/middleware/authorize.js';
import { errorResponses, IdParam, storedText } from '../../http/openapi.js';
import { sendEmpty, sendJson } from '../../http/respond.js';
import { checkMetadataFilter, MEMORY_LIMITS, type SearchHit } from './memory-service.js';
import type { Memory, MemoryFilter } from './memory-types.js';
import type { MemoryModule } from './index.js';
import { adminActor } from '../../http/admin-actor.js';

const IsoTimestamp = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });
const Timestamp = z.iso.datetime({ offset: true });

export const MemorySchema = z
  .object({
    id: z.string(),
    text: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    agent_id: z.string().nullable(),
    thread_id: z.string().nullable(),
    created_at: IsoTimestamp,
    updated_at: IsoTimestamp,
    expires_at: IsoTimestamp.nullable(),
  })
  .openapi('Memory');

const SearchHitSchema = z
  .object({
    memory: MemorySchema,
    score: z.number().openapi({ description: 'Higher is better, within this response: BM25 (keyword), cosine (semantic) or reciprocal rank fusion (hybrid).' }),
    keyword_score: z.number().optional(),
    semantic_score: z.number().optional(),
  })
  .openapi('MemorySearchHit');

const MemoryText = storedText(MEMORY_LIMITS.textChars, 1);
const Metadata = z.unknown().openapi({ type: 'object', description: `A JSON object (at most ${MEMORY_LIMITS.metadataBytes} bytes, ${MEMORY_LIMITS.metadataDepth} levels) or null.` });

const NewMemorySchema = z.object({
  text: MemoryText,
  metadata: Metadata.optional(),
  agent_id: IdParam.nullable().optional(),
  thread_id: IdParam.nullable().optional().openapi({ description: 'A thread of the caller\'s workspace (404 `not_found` otherwise).' }),
  expires_at: Timestamp.nullable().optional().openapi({ description: 'After this time the memory is never returned, then purged.' }),
});

/** Filters shared by list, delete-many and search (in a body). */
const FilterSchema = z.object({
  agent_id: IdParam.optional(),
  thread_id: IdParam.optional().openapi({ description: 'Only this thread\'s memories; a thread of the caller\'s workspace (404 `not_found` otherwise).' }),
  metadata: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Top-level metadata keys and the scalar each must equal.' }),
  created_after: Timestamp.optional(),
  created_before: Timestamp.optional(),
});

const MemoryParams = z.object({ memoryId: IdParam.openapi({ param: { name: 'memoryId', in: 'path' } }) });
const UserParams = z.object({ userId: z.string().min(1).max(255).openapi({ param: { name: 'userId', in: 'path' } }) });
const Cursor = z.string().min(1).max(512).openapi({ description: 'next_cursor of the previous page.' });

const createMemory = declareRoute({ category: 'data', scope: 'memory:write' }, {
  method: 'post',
  path: '/v1/memories',
  tags: ['memory'],
  summary: 'Store a memory for the caller\'s user',
  request: { body: { required: true, content: { 'application/json': { schema: NewMemorySchema } } } },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ memory: MemorySchema }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const createMemories = declareRoute({ category: 'data', scope: 'memory:write' }, {
  method: 'post',
  path: '/v1/memories/batch',
  tags: ['memory'],
  summary: `Store up to ${MEMORY_LIMITS.batch} memories at once: all of them, or none`,
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ memories: z.array(NewMemorySchema).min(1).max(MEMORY_LIMITS.batch) }) } } },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ memories: z.array(MemorySchema) }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const listMemories = declareRoute({ category: 'data', scope: 'memory:read' }, {
  method: 'get',
  path: '/v1/memories',
  tags: ['memory'],
  summary: 'List the caller\'s memories, newest first (keyset pages)',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MEMORY_LIMITS.pageSize).default(20),
      cursor: Cursor.optional(),
      agent_id: IdParam.optional(),
      thread_id: FilterSchema.shape.thread_id,
      metadata: z.string().max(4096).optional().openapi({ description: 'A JSON object: top-level metadata keys and the scalar each must equal, e.g. {"topic":"coffee"}.' }),
      created_after: Timestamp.optional(),
      created_before: Timestamp.optional(),
    }),
  },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ memories: z.array(MemorySchema), next_cursor: z.string().nullable() }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const deleteMemories = declareRoute({ category: 'data', scope: 'memory:write' }, {
  method: 'post',
  path: '/v1/memories/delete',
  tags: ['memory'],
  summary: 'Delete the caller\'s memories matching a filter (an empty filter needs all: true)',
  request: {
    body: { required: true, content: { 'application/json': { schema: FilterSchema.extend({ all: z.literal(true).optional() }) } } },
  },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: z.object({ deleted: z.number().int() }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const searchMemories = declareRoute({ category: 'data', scope: 'memory:read' }, {
  method: 'post',
  path: '/v1/memories/search',
  tags: ['memory'],
  summary: 'Search the caller\'s memories: keyword (BM25), semantic (cosine) or hybrid (reciprocal rank fusion)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: FilterSchema.extend({
            query: z.string().min(1).max(2000),
            mode: z.enum(['keyword', 'semantic', 'hybrid']).optional().openapi({ description: 'Default: hybrid when embeddings are configured, keyword otherwise.' }),
            limit: z.number().int().min(1).max(MEMORY_LIMITS.searchResults).default(10),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Hits, best first; `mode` is the mode that answered (hybrid falls back to keyword when the embeddings provider is down)',
      content: { 'application/json': { schema: z.object({ mode: z.enum(['keyword', 'semantic', 'hybrid']), results: z.array(SearchHitSchema) }) } },
    },
    ...errorResponses(400, 401, 403, 404, 413, 503),
  },
});

const getMemory = declareRoute({ category: 'data', scope: 'memory:read' }, {
  method: 'get',
  path: '/v1/memories/{memoryId}',
  tags: ['memory'],
  summary: 'Get one of the caller\'s memories',
  request: { params: MemoryParams },
  responses: {
    200: { description: 'The memory', content: { 'application/json': { schema: z.object({ memory: MemorySchema }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const updateMemory = declareRoute({ category: 'data', scope: 'memory:write' }, {
  method: 'patch',
  path: '/v1/memories/{memoryId}',
  tags: ['memory'],
  summary: 'Change a memory\'s text, thread, metadata or expiry (new text is embedded again)',
  request: {
    params: MemoryParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            text: MemoryText.optional(),
            thread_id: IdParam.nullable().optional().openapi({ description: 'A thread of the caller\'s workspace (404 `not_found` otherwise); null: none.' }),
            metadata: Metadata.optional(),
            expires_at: Timestamp.nullable().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: z.object({ memory: MemorySchema }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const deleteMemory = declareRoute({ category: 'data', scope: 'memory:write' }, {
  method: 'delete',
  path: '/v1/memories/{memoryId}',
  tags: ['memory'],
  summary: 'Delete one of the caller\'s memories',
  request: { params: MemoryParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
});

const adminListMemories = declareRoute({ category: 'admin' }, {
  method: 'get',
  path: '/admin/v1/users/{userId}/memories',
  tags: ['admin'],
  summary: 'Count and list a user\'s memories in every workspace (expired ones left out)',
  request: {
    params: UserParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(MEMORY_LIMITS.pageSize).default(20), cursor: Cursor.optional() }),
  },
  responses: {
    200: {
      description: 'The count and a page',
      content: {
        'application/json': {
          schema: z.object({
            user_id: z.string(),
            count: z.number().int(),
            memories: z.array(MemorySchema.extend({ workspace_id: z.string() })),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...errorResponses(400, 401),
  },
});

const adminEraseMemories = declareRoute({ category: 'admin' }, {
  method: 'delete',
  path: '/admin/v1/users/{userId}/memories',
  tags: ['admin'],
  summary: 'Erase every memory of a user (every workspace, expired ones too, with their vectors)',
  request: { params: UserParams },
  responses: {
    200: { description: 'Erased', content: { 'application/json': { schema: z.object({ user_id: z.string(), erased: z.number().int() }) } } },
    ...errorResponses(400, 401),
  },
});

const iso = (ms: number) => new Date(ms).toISOString();

export function toWireMemory(memory: Memory) {
  return {
    id: memory.id,
    text: memory.text,
    metadata: memory.metadata,
    agent_id: memory.agentId,
    thread_id: memory.threadId,
    created_at: iso(memory.createdAt),
    updated_at: iso(memory.updatedAt),
    expires_at: memory.expiresAt === null ? null : iso(memory.expiresAt),
  };
}

function toWireHit(hit: SearchHit) {
  return {
    memory: toWireMemory(hit.memory),
    score: hit.score,
    ...(hit.keywordScore !== undefined ? { keyword_score: hit.keywordScore } : {}),
    ...(hit.semanticScore !== undefined ? { semantic_score: hit.semanticScore } : {}),
  };
}

/** The filter of a request, metadata already parsed; the service checks agent limits. */
function toFilter(input: Omit<z.infer<typeof FilterSchema>, 'metadata'>, metadata: unknown): MemoryFilter {
  const filter: MemoryFilter = {};
  if (input.agent_id !== undefined) filter.agentId = input.agent_id;
  if (input.thread_id !== undefined) filter.threadId = input.thread_id;
  if (input.created_after !== undefined) filter.createdAfter = Date.parse(input.created_after);
  if (input.created_before !== undefined) filter.createdBefore = Date.parse(input.created_before);
  const checked = checkMetadataFilter(metadata, 'metadata');
  if (checked !== undefined) filter.metadata = checked;
  return filter;
}

function memoryOf(deps: AppDeps): MemoryModule {
  if (deps.memory === undefined) throw new ThreadgateError('feature_disabled', { message: 'Memory is not set up on this server.' });
  return deps.memory;
}

const expiresAtOf = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : Date.parse(value));

export function memoryRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(createMemory, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const [memory] = await memoryOf(depsOf(c)).service.create(principal, [{
      text: body.text,
      agentId: body.agent_id ?? null,
      threadId: body.thread_id ?? null,
      metadata: body.metadata,
      expiresAt: expiresAtOf(body.expires_at) ?? null,
    }], () => '');
    return sendJson(c, { memory: toWireMemory(memory!) }, 201);
  });

  app.openapi(createMemories, async (c) => {
    const principal = requirePrincipal(c);
    const { memories } = c.req.valid('json');
    const created = await memoryOf(depsOf(c)).service.create(principal, memories.map((body) => ({
      text: body.text,
      agentId: body.agent_id ?? null,
      threadId: body.thread_id ?? null,
      metadata: body.metadata,
      expiresAt: expiresAtOf(body.expires_at) ?? null,
    })), (index) => `memories.${index}.`);
    return sendJson(c, { memories: created.map(toWireMemory) }, 201);
  });

  app.openapi(listMemories, async (c) => {
    const principal = requirePrincipal(c);
    const query = c.req.valid('query');
    let metadata: unknown;
    if (query.metadata !== undefined) {
      try {
        metadata = JSON.parse(query.metadata);
      } catch {
        throw new ValidationFailed('metadata', 'must be a JSON object, e.g. {"topic":"coffee"}');
      }
    }
    const page = await memoryOf(depsOf(c)).service.list(principal, toFilter(query, metadata), {
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return sendJson(c, { memories: page.memories.map(toWireMemory), next_cursor: page.nextCursor }, 200);
  });

  // Registered before /v1/memories/{memoryId} (a different method, but kept apart all the same).
  app.openapi(deleteMemories, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const filter = toFilter(body, body.metadata);
    const empty = Object.keys(filter).length === 0 || (filter.metadata !== undefined && Object.keys(filter.metadata).length === 0 && Object.keys(filter).length === 1);
    if (empty && body.all !== true) throw new ValidationFailed('all', 'must be true to delete every memory (no filter given)');
    const deleted = await memoryOf(depsOf(c)).service.removeMany(principal, filter);
    return sendJson(c, { deleted }, 200);
  });

  app.openapi(searchMemories, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const result = await memoryOf(depsOf(c)).service.search(principal, {
      query: body.query,
      ...(body.mode !== undefined ? { mode: body.mode } : {}),
      limit: body.limit,
      filter: toFilter(body, body.metadata),
    });
    return sendJson(c, { mode: result.mode, results: result.hits.map(toWireHit) }, 200);
  });

  app.openapi(getMemory, async (c) => {
    const principal = requirePrincipal(c);
    const memory = await memoryOf(depsOf(c)).service.get(principal, c.req.valid('param').memoryId);
    if (memory === undefined) throw new NotFound({ message: 'No such memory.' });
    return sendJson(c, { memory: toWireMemory(memory) }, 200);
  });

  app.openapi(updateMemory, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const expiresAt = expiresAtOf(body.expires_at);
    const memory = await memoryOf(depsOf(c)).service.update(principal, c.req.valid('param').memoryId, {
      ...(body.text !== undefined ? { text: body.text } : {}),
      ...(body.thread_id !== undefined ? { threadId: body.thread_id } : {}),
      ...('metadata' in body ? { metadata: body.metadata ?? null } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    if (memory === undefined) throw new NotFound({ message: 'No such memory.' });
    return sendJson(c, { memory: toWireMemory(memory) }, 200);
  });

  app.openapi(deleteMemory, async (c) => {
    const principal = requirePrincipal(c);
    if (!(await memoryOf(depsOf(c)).service.remove(principal, c.req.valid('param').memoryId))) throw new NotFound({ message: 'No such memory.' });
    return sendEmpty(c);
  });

  app.openapi(adminListMemories, async (c) => {
    const deps = depsOf(c);
    const { userId } = c.req.valid('param');
    const query = c.req.valid('query');
    const memory = memoryOf(deps);
    const count = await memory.countForUser(deps.config.projectId, userId);
    const page = await memory.service.listForUser(deps.config.projectId, userId, { limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
    return sendJson(c, {
      user_id: userId,
      count,
      memories: page.memories.map((item) => ({ ...toWireMemory(item), workspace_id: item.workspaceId })),
      next_cursor: page.nextCursor,
    }, 200);
  });

  app.openapi(adminEraseMemories, async (c) => {
    const deps = depsOf(c);
    const { userId } = c.req.valid('param');
    const erased = await memoryOf(deps).eraseUser(deps.config.projectId, userId);
    deps.logger.info({ audit: 'user.memories.erase', userId, erased }, 'user memories erased');
    deps.events.publish('user.memories_erased', { userId, erased }, adminActor(c));
    return sendJson(c, { user_id: userId, erased }, 200);
  });

  return app;
}
