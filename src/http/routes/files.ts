/**
 * Attachments, as the `assistant-cloud` client calls them (AssistantCloudFiles.ts) and
 * assistant-ui's CloudFileAttachmentAdapter uses them: ask for an upload URL, `PUT` the bytes to
 * it, and put the returned `publicUrl` into the message; later ask for a short-lived download URL
 * by `key` or by that URL. docs/files.md describes the whole of it.
 *
 * A file belongs to the workspace that asked for its upload URL: its key carries the workspace's
 * tag and 128 random bits (files/file-key.ts), so another workspace can neither have a download
 * signed for it (404, like any other workspace's id) nor guess its URL. Files are the workspace's,
 * not a thread's (as in Assistant Cloud, the upload names no thread): deleting a thread leaves
 * them.
 *
 * The signed `blobs` routes and the `public` route carry their credential in the URL (a signature,
 * or a key nobody can guess), so they take no bearer token: `<img src>` and a plain `PUT` must
 * work. `POST /v1/files/pdf-to-images` is not served (the client marks it deprecated): 404.
 */
import { depsOf } from '../../platform/http/pipeline.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFound, ThreadgateError, ValidationFailed } from '../../errors.js';
import { attachmentDisposition, cleanContentType, isInlineContentType, newFileKey, parseFileKey, workspaceTagOf, type FileKey } from '../../files/file-key.js';
import type { BlobStore, LocalBlobAccess } from '../../files/blob-store.js';
import { LOCAL_BLOB_PATH } from '../../files/local/local-blob-store.js';
import type { AppDeps, AppEnv } from '../context.js';
import { declareRoute, createRouteModule } from '../define-route.js';
import { requirePrincipal } from '../middleware/authorize.js';
import { errorResponses, storedText } from '../openapi.js';
import { sendJson, standardHeadersOf } from '../respond.js';
import { requestHeader } from '../request-header.js';

export const PUBLIC_FILE_PATH = '/v1/files/public';

const KeyParams = z.object({
  workspaceTag: z.string().regex(/^[A-Za-z0-9_-]{22}$/).openapi({ param: { name: 'workspaceTag', in: 'path' } }),
  fileId: z.string().regex(/^[A-Za-z0-9_-]{22}$/).openapi({ param: { name: 'fileId', in: 'path' } }),
  fileName: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/).openapi({ param: { name: 'fileName', in: 'path' } }),
});
const SignatureQuery = z.object({
  expires: z.string().max(20).optional().openapi({ description: 'Unix seconds after which the URL is refused.' }),
  signature: z.string().max(100).optional().openapi({ description: 'HMAC-SHA256 of the method, key and expiry (base64url).' }),
});
const FileBody = { description: 'The file', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } };

const uploadUrl = declareRoute({ category: 'data', scope: 'threads:write' }, {
  method: 'post',
  path: '/v1/files/attachments/generate-presigned-upload-url',
  tags: ['files'],
  summary: 'A URL to PUT one attachment to, and the URL it will be read from',
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ filename: storedText(1024, 1) }) } } },
  },
  responses: {
    200: {
      description: '`PUT` the bytes to `signedUrl` (with their `Content-Type`) before `expiresAt`; the file is then at `publicUrl`',
      content: {
        'application/json': {
          schema: z.object({ success: z.literal(true), signedUrl: z.string(), expiresAt: z.string(), publicUrl: z.string(), key: z.string() }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const downloadUrl = declareRoute({ category: 'data', scope: 'threads:read' }, {
  method: 'post',
  path: '/v1/files/attachments/generate-presigned-download-url',
  tags: ['files'],
  summary: 'A short-lived URL to GET one of the workspace\'s attachments, by key or by its URL',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ key: z.string().max(1024).optional(), url: z.string().max(4096).optional() }) } },
    },
  },
  responses: {
    200: { description: 'The URL', content: { 'application/json': { schema: z.object({ signedUrl: z.string(), expiresAt: z.string(), key: z.string() }) } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

const putBlob = declareRoute({ category: 'capability' }, {
  method: 'put',
  path: `${LOCAL_BLOB_PATH}/{workspaceTag}/{fileId}/{fileName}`,
  tags: ['files'],
  summary: 'Upload through a signed URL (local file store)',
  request: { params: KeyParams, query: SignatureQuery, body: { required: false, ...FileBody } },
  responses: { 200: { description: 'Stored' }, ...errorResponses(400, 403, 404, 413) },
});

const getBlob = declareRoute({ category: 'capability' }, {
  method: 'get',
  path: `${LOCAL_BLOB_PATH}/{workspaceTag}/{fileId}/{fileName}`,
  tags: ['files'],
  summary: 'Download through a signed URL (local file store)',
  request: { params: KeyParams, query: SignatureQuery },
  responses: { 200: FileBody, ...errorResponses(400, 403, 404) },
});

const getPublic = declareRoute({ category: 'capability' }, {
  method: 'get',
  path: `${PUBLIC_FILE_PATH}/{workspaceTag}/{fileId}/{fileName}`,
  tags: ['files'],
  summary: 'An attachment by its public URL (the key is the credential)',
  request: { params: KeyParams },
  responses: {
    200: FileBody,
    302: { description: 'S3 file store: to a short-lived presigned URL of the bucket' },
    ...errorResponses(400, 404),
  },
});

function blobStoreOf(deps: AppDeps): BlobStore {
  if (deps.blobStore === null) throw new ThreadgateError('feature_disabled', { message: 'Attachments are turned off on this server (THREADGATE_FILES_STORE=off).' });
  return deps.blobStore;
}

/** The local store, for the routes only it serves; 404 like an unknown route otherwise. */
function localStoreOf(c: Context<AppEnv>): BlobStore & { local: LocalBlobAccess } {
  const store = depsOf(c).blobStore;
  if (store?.local === undefined) throw new NotFound({ message: `No route ${c.req.method} ${c.req.path}.` });
  return store as BlobStore & { local: LocalBlobAccess };
}

/** The URL clients reach this server at: THREADGATE_PUBLIC_URL, else the request's own origin. */
function baseUrlOf(c: Context<AppEnv>): string {
  return depsOf(c).config.publicUrl ?? new URL(c.req.url).origin;
}

function keyOfParams(params: z.infer<typeof KeyParams>): FileKey {
  return { workspaceTag: params.workspaceTag, id: params.fileId, name: params.fileName, key: `${params.workspaceTag}/${params.fileId}/${params.fileName}` };
}

/** A key given by `key`, or read from a URL Threadgate or the bucket handed out (its last three path segments). */
function keyOfBody(body: { key?: string | undefined; url?: string | undefined }): FileKey | undefined {
  if ((body.key === undefined) === (body.url === undefined)) throw new ValidationFailed('key', 'send either key or url');
  if (body.key !== undefined) return parseFileKey(body.key);
  let url: URL;
  try {
    url = new URL(body.url!);
  } catch {
    throw new ValidationFailed('url', 'is not a URL');
  }
  const segments = url.pathname.split('/');
  if (segments.length < 4) return undefined;
  return parseFileKey(segments.slice(-3).map((segment) => decodeURIComponentSafe(segment)).join('/'));
}

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The local store's file under `key`, with what keeps it from running as a page of this origin.
 * Hono answers HEAD with the GET handler's headers and drops the body, so a HEAD reads only what
 * is recorded and never opens the file (an opened one would stay open until collected).
 */
async function serveLocalFile(c: Context<AppEnv>, local: LocalBlobAccess, head: BlobStore['head'], key: FileKey): Promise<Response> {
  const file = c.req.method === 'HEAD'
    ? await head(key).then((info) => (info === undefined ? undefined : { info, body: null }))
    : await local.read(key);
  if (file === undefined) throw new NotFound({ message: 'No such file.' });
  const { info, body } = file;
  return new Response(body, {
    status: 200,
    headers: {
      ...standardHeadersOf(c),
      'Content-Type': info.contentType,
      'Content-Length': String(info.size),
      'Content-Disposition': isInlineContentType(info.contentType) ? `inline; filename="${key.name}"` : attachmentDisposition(key),
      'Content-Security-Policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=300',
    },
  });
}

export function fileRoutes(): OpenAPIHono<AppEnv> {
  const app = createRouteModule();

  app.openapi(uploadUrl, async (c) => {
    const principal = requirePrincipal(c);
    const { config, clock } = depsOf(c);
    const store = blobStoreOf(depsOf(c));
    const key = newFileKey(principal.projectId, principal.workspaceId, c.req.valid('json').filename);
    const now = Math.floor(clock() / 1000);
    const expiresAt = now + config.filesUrlTtlSeconds;
    const baseUrl = baseUrlOf(c);
    const signedUrl = await store.uploadUrl(key, { expiresAt, now, baseUrl });
    return sendJson(c, {
      success: true as const,
      signedUrl,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      publicUrl: `${baseUrl}${PUBLIC_FILE_PATH}/${key.key}`,
      key: key.key,
    }, 200);
  });

  app.openapi(downloadUrl, async (c) => {
    const principal = requirePrincipal(c);
    const { config, clock } = depsOf(c);
    const store = blobStoreOf(depsOf(c));
    const key = keyOfBody(c.req.valid('json'));
    // Not a key this server made, another workspace's, or not uploaded: the same answer.
    const info = key !== undefined && key.workspaceTag === workspaceTagOf(principal.projectId, principal.workspaceId) ? await store.head(key) : undefined;
    if (key === undefined || info === undefined) throw new NotFound({ message: 'No such file.' });
    if (info.size > config.filesMaxBytes) {
      // Only an S3 upload can get here (a presigned PUT bounds no size): it is not kept.
      await store.delete(key);
      throw new ThreadgateError('payload_too_large', { message: `The file was larger than ${config.filesMaxBytes} bytes and has been deleted.` });
    }
    const now = Math.floor(clock() / 1000);
    const expiresAt = now + config.filesUrlTtlSeconds;
    const signedUrl = await store.downloadUrl(key, info, { expiresAt, now, baseUrl: baseUrlOf(c) });
    return sendJson(c, { signedUrl, expiresAt: new Date(expiresAt * 1000).toISOString(), key: key.key }, 200);
  });

  app.openapi(putBlob, async (c) => {
    const { local } = localStoreOf(c);
    const { config, clock, urlSigner } = depsOf(c);
    const key = keyOfParams(c.req.valid('param'));
    urlSigner.verify('PUT', key.key, c.req.valid('query'), Math.floor(clock() / 1000));
    const declared = requestHeader(c, 'content-length');
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > config.filesMaxBytes) {
      throw new ThreadgateError('payload_too_large', { message: `The file is larger than ${config.filesMaxBytes} bytes.` });
    }
    const body = c.req.raw.body ?? (async function* () {})();
    await local.write(key, body as AsyncIterable<Uint8Array>, cleanContentType(requestHeader(c, 'content-type')), config.filesMaxBytes);
    return new Response(null, { status: 200, headers: standardHeadersOf(c) }) as never;
  });

  app.openapi(getBlob, async (c) => {
    const store = localStoreOf(c);
    const { clock, urlSigner } = depsOf(c);
    const key = keyOfParams(c.req.valid('param'));
    urlSigner.verify('GET', key.key, c.req.valid('query'), Math.floor(clock() / 1000));
    return (await serveLocalFile(c, store.local, store.head, key)) as never;
  });

  app.openapi(getPublic, async (c) => {
    const store = blobStoreOf(depsOf(c));
    const key = keyOfParams(c.req.valid('param'));
    if (store.local !== undefined) return (await serveLocalFile(c, store.local, store.head, key)) as never;
    const info = await store.head(key);
    if (info === undefined) throw new NotFound({ message: 'No such file.' });
    const { config, clock } = depsOf(c);
    const now = Math.floor(clock() / 1000);
    const location = await store.downloadUrl(key, info, { expiresAt: now + config.filesUrlTtlSeconds, now, baseUrl: baseUrlOf(c) });
    return new Response(null, { status: 302, headers: { ...standardHeadersOf(c), Location: location, 'Cache-Control': 'no-store' } }) as never;
  });

  return app;
}
