/**
 * The admin routes of one resource (`/admin/v1/<resource>` and `/admin/v1/<resource>/{id}`,
 * admin key as Bearer), declared and handled in one place: create (201), list (`{ <field>: [...] }`),
 * get, update and delete (204), each optional past create, list and delete. The resource gives its
 * schemas, its wire form and its service calls; this helper gives the route declarations, the
 * not-found answer (`No such <noun>.`) and the response shapes, so API keys, authentication keys
 * and auth rules (src/modules/credentials-admin), model providers and agents (src/modules/agents)
 * answer alike. What an action changes, logs and publishes (the audit's events) is the resource's
 * `run` (the credentials service publishes its own; the agents routes publish theirs), never this
 * helper's.
 *
 * A service call may throw its own `ThreadgateError` rather than answer `undefined` or `false`
 * (the agents service names the missing id: `No agent "x".`; a duplicate id is a `Conflict`): it
 * goes out as thrown. The statuses an action can answer are declared by its `errors`.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFound } from '../errors.js';
import type { AppEnv } from './context.js';
import { createRouteModule, declareRoute } from './define-route.js';
import { errorResponses, IdParam } from './openapi.js';
import { sendEmpty, sendJson } from './respond.js';

type AdminContext = Context<AppEnv>;

export interface AdminResource<R, CreateBody extends z.ZodTypeAny, UpdateBody extends z.ZodTypeAny> {
  /** The collection's path, e.g. `/admin/v1/api-keys`. */
  path: string;
  /** The path parameter naming one object, e.g. `keyId`. */
  idParam: string;
  /** That parameter's schema; default `IdParam` (printable ASCII, 1 to 128 characters). */
  idSchema?: z.ZodTypeAny;
  /** What one object is called in a 404: `API key` → "No such API key.". */
  noun: string;
  /** The list response's field, e.g. `api_keys`. */
  listField: string;
  /** One object as the API shows it. */
  schema: z.ZodTypeAny;
  /** The description of a 200 with one object (get, update); default `The <noun>`. */
  itemDescription?: string;
  /** A stored object as the API shows it (never a secret). */
  toWire(record: R): Record<string, unknown>;
  create: {
    summary: string;
    /** An `id` field here is the caller's choice of id; the service refuses a taken one (409, with `errors`). */
    body: CreateBody;
    /** The 201 body, when it shows more than `schema` (a secret shown once); default `schema`. */
    created?: z.ZodTypeAny;
    /** Creates the object; `reveal`: fields of this response only (the key, the secret), sent with `Cache-Control: no-store`. */
    run(c: AdminContext, body: z.infer<CreateBody>): Promise<{ record: R; reveal?: Record<string, string> }>;
  } & ErrorStatuses;
  list: { summary: string; description: string; run(c: AdminContext): Promise<readonly R[]> };
  get?: { summary: string; run(c: AdminContext, id: string): Promise<R | undefined> } & ErrorStatuses;
  update?: { summary: string; body: UpdateBody; run(c: AdminContext, id: string, body: z.infer<UpdateBody>): Promise<R | undefined> } & ErrorStatuses;
  /** Deletes or revokes; false when there is no such object. */
  remove: { summary: string; description: string; run(c: AdminContext, id: string): Promise<boolean> } & ErrorStatuses;
}

/** The statuses of the errors an action declares in the OpenAPI document. */
interface ErrorStatuses {
  /**
   * Default: create 400, 401, 413; get 401, 404; update 400, 401, 404, 413; delete 401, 404. Add
   * 409 where the service throws a `Conflict` (a taken id, a provider still in use).
   */
  errors?: readonly number[];
}

/** A resource's declared routes, each with its handler; `adminCrudRoutes` registers them. */
export interface AdminCrud {
  readonly routes: ReadonlyArray<{ route: unknown; handle(c: AdminContext): Promise<Response> }>;
}

/**
 * Declares the resource's admin routes, once, at module load (a route is declared once per
 * process: define-route.ts), with their handlers.
 *
 * @example
 * const apiKeys = declareAdminCrud({ path: '/admin/v1/api-keys', idParam: 'keyId', noun: 'API key', ... })
 * export const apiKeyRoutes = () => adminCrudRoutes(apiKeys)
 */
export function declareAdminCrud<R, C extends z.ZodTypeAny, U extends z.ZodTypeAny = z.ZodNever>(resource: AdminResource<R, C, U>): AdminCrud {
  const { path, idParam, noun, schema, toWire } = resource;
  const itemPath = `${path}/{${idParam}}`;
  const params = z.object({ [idParam]: (resource.idSchema ?? IdParam).openapi({ param: { name: idParam, in: 'path' } }) });
  const one = { description: resource.itemDescription ?? `The ${noun}`, content: { 'application/json': { schema } } };
  const notFound = () => new NotFound({ message: `No such ${noun}.` });
  // The route objects are built from this resource's schemas, so their types are too general for
  // zod-openapi's handler inference: the handlers read the validated input through idOf and bodyOf.
  const idOf = (c: AdminContext) => (c.req.valid('param' as never) as Record<string, string>)[idParam] as string;
  const bodyOf = (c: AdminContext) => c.req.valid('json' as never) as unknown;
  const routes: AdminCrud['routes'][number][] = [];
  const { create, list, get, update, remove } = resource;

  routes.push({
    route: declareRoute({ category: 'admin' }, {
      method: 'post',
      path,
      tags: ['admin'],
      summary: create.summary,
      request: { body: { required: true, content: { 'application/json': { schema: create.body } } } },
      responses: { 201: { description: 'Created', content: { 'application/json': { schema: create.created ?? schema } } }, ...errorResponses(...(create.errors ?? [400, 401, 413])) },
    }),
    async handle(c) {
      const { record, reveal } = await create.run(c, bodyOf(c) as z.infer<C>);
      if (reveal === undefined) return sendJson(c, toWire(record), 201);
      return sendJson(c, { ...toWire(record), ...reveal }, 201, { 'Cache-Control': 'no-store' });
    },
  });

  routes.push({
    route: declareRoute({ category: 'admin' }, {
      method: 'get',
      path,
      tags: ['admin'],
      summary: list.summary,
      responses: {
        200: { description: list.description, content: { 'application/json': { schema: z.object({ [resource.listField]: z.array(schema) }) } } },
        ...errorResponses(401),
      },
    }),
    handle: async (c) => sendJson(c, { [resource.listField]: (await list.run(c)).map(toWire) }, 200),
  });

  if (get !== undefined) {
    routes.push({
      route: declareRoute({ category: 'admin' }, {
        method: 'get',
        path: itemPath,
        tags: ['admin'],
        summary: get.summary,
        request: { params },
        responses: { 200: one, ...errorResponses(...(get.errors ?? [401, 404])) },
      }),
      async handle(c) {
        const record = await get.run(c, idOf(c));
        if (record === undefined) throw notFound();
        return sendJson(c, toWire(record), 200);
      },
    });
  }

  if (update !== undefined) {
    routes.push({
      route: declareRoute({ category: 'admin' }, {
        method: 'patch',
        path: itemPath,
        tags: ['admin'],
        summary: update.summary,
        request: { params, body: { required: true, content: { 'application/json': { schema: update.body } } } },
        responses: { 200: one, ...errorResponses(...(update.errors ?? [400, 401, 404, 413])) },
      }),
      async handle(c) {
        const record = await update.run(c, idOf(c), bodyOf(c) as z.infer<U>);
        if (record === undefined) throw notFound();
        return sendJson(c, toWire(record), 200);
      },
    });
  }

  routes.push({
    route: declareRoute({ category: 'admin' }, {
      method: 'delete',
      path: itemPath,
      tags: ['admin'],
      summary: remove.summary,
      request: { params },
      responses: { 204: { description: remove.description }, ...errorResponses(...(remove.errors ?? [401, 404])) },
    }),
    async handle(c) {
      if (!(await remove.run(c, idOf(c)))) throw notFound();
      return sendEmpty(c);
    },
  });

  return Object.freeze({ routes: Object.freeze(routes) });
}

/**
 * The application of one resource's admin routes (declared by `declareAdminCrud`).
 *
 * @example
 * app.route('/', adminCrudRoutes(apiKeys))
 */
export function adminCrudRoutes(crud: AdminCrud): OpenAPIHono<AppEnv> {
  const app = createRouteModule();
  const register = app.openapi.bind(app) as unknown as (route: unknown, handler: (c: AdminContext) => Promise<Response>) => void;
  for (const { route, handle } of crud.routes) register(route, handle);
  return app;
}
