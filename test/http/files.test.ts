/**
 * Attachments with the local file store (the default), over a real listener: the
 * assistant-cloud client's calls, the signed upload and download URLs Threadgate serves itself,
 * the public URL, and everything they refuse.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AssistantCloud, CloudAPIError } from 'assistant-cloud';
import { startListeningServer, type ListeningServer } from '../helpers/listening-server.js';
import { mintWorkspaceToken } from '../../src/auth/workspace-token.js';
import { ALL_SCOPES, type Scope } from '../../src/auth/principal.js';

describe('files (local store)', () => {
  let s: ListeningServer;
  let cloud: AssistantCloud;
  let other: AssistantCloud;
  const tokenFor = async (userId: string, workspaceId: string, scopes: readonly Scope[] = ALL_SCOPES) =>
    (await mintWorkspaceToken(s.server.deps.keyring, s.server.deps.config, {
      projectId: s.server.deps.config.projectId, userId, workspaceId, scopes: new Set(scopes), agents: 'all', anonymous: false,
      credential: { source: 'workspace_token', id: 'test' },
    })).token;
  const api = (path: string, token: string, body: unknown) =>
    fetch(`${s.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    s = await startListeningServer({ THREADGATE_FILES_MAX_BYTES: '1000', THREADGATE_FILES_URL_TTL_SECONDS: '60' });
    cloud = new AssistantCloud({ baseUrl: s.url, authToken: async () => s.token });
    const otherToken = await tokenFor('u2', 'w2');
    other = new AssistantCloud({ baseUrl: s.url, authToken: async () => otherToken });
  });
  after(async () => s.stop());

  it('upload, public URL and signed download round-trip, content type kept', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'Résumé final.txt' });
    assert.equal(upload.success, true);
    assert.match(upload.key!, /^[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{22}\/Resume_final\.txt$/);
    assert.ok(upload.signedUrl.startsWith(`${s.url}/v1/files/blobs/${upload.key}?`));
    assert.equal(upload.publicUrl, `${s.url}/v1/files/public/${upload.key}`);
    const expiresIn = Date.parse(upload.expiresAt) - Date.now();
    assert.ok(expiresIn > 0 && expiresIn <= 61_000, upload.expiresAt);

    const put = await fetch(upload.signedUrl, { method: 'PUT', body: 'hello notes', headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    assert.equal(put.status, 200);

    const pub = await fetch(upload.publicUrl);
    assert.equal(pub.status, 200);
    assert.equal(await pub.text(), 'hello notes');
    assert.equal(pub.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(pub.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(pub.headers.get('content-disposition'), 'attachment; filename="Resume_final.txt"');
    assert.match(pub.headers.get('content-security-policy') ?? '', /sandbox/);

    for (const body of [{ key: upload.key! }, { url: upload.publicUrl }]) {
      const download = await cloud.files.generatePresignedDownloadUrl(body);
      assert.equal(download.key, upload.key);
      const res = await fetch(download.signedUrl);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello notes');
    }
  });

  it('HEAD answers the headers and leaves no file open', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'head.txt' });
    await fetch(upload.signedUrl, { method: 'PUT', body: 'twelve bytes', headers: { 'Content-Type': 'text/plain' } });
    const openBlobs = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).includes(upload.key!.split('/')[1]!);
      } catch {
        return false;
      }
    }).length;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(upload.publicUrl, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '12');
      assert.equal(await res.text(), '');
    }
    assert.equal(openBlobs(), 0);
  });

  it('raster images are served inline, anything else (SVG included) as an attachment', async () => {
    for (const [name, type, disposition] of [
      ['cat.png', 'image/png', 'inline'],
      ['x.svg', 'image/svg+xml', 'attachment'],
      ['page.html', 'text/html', 'attachment'],
      // Bodies the API would parse elsewhere are stored as they are.
      ['data.json', 'application/json', 'attachment'],
      ['form.bin', 'application/x-www-form-urlencoded', 'attachment'],
    ] as const) {
      const upload = await cloud.files.generatePresignedUploadUrl({ filename: name });
      assert.equal((await fetch(upload.signedUrl, { method: 'PUT', body: '<svg onload="alert(1)"/>', headers: { 'Content-Type': type } })).status, 200);
      const res = await fetch(upload.publicUrl);
      assert.equal(res.headers.get('content-type'), type);
      assert.equal(res.headers.get('content-disposition'), `${disposition}; filename="${name}"`);
      assert.equal(await res.text(), '<svg onload="alert(1)"/>');
    }
  });

  it('an upload over the limit is refused while it streams, and nothing is kept', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'big.bin' });
    // Declared length: refused before reading.
    let res = await fetch(upload.signedUrl, { method: 'PUT', body: 'x'.repeat(1001) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'payload_too_large');
    // No declared length (chunked): counted as it arrives.
    const chunks = new ReadableStream({ start(controller) { for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(300))); controller.close(); } });
    res = await fetch(upload.signedUrl, { method: 'PUT', body: chunks, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'payload_too_large');
    assert.equal((await fetch(upload.publicUrl)).status, 404);
    const folder = join(s.server.deps.config.files.store === 'local' ? s.server.deps.config.files.dir : '', upload.key!.split('/').slice(0, 2).join('/'));
    assert.deepEqual(existsSync(folder) ? readdirSync(folder) : [], [], 'no temporary file left behind');
    // Exactly the limit is fine.
    assert.equal((await fetch(upload.signedUrl, { method: 'PUT', body: 'z'.repeat(1000) })).status, 200);
  });

  it('a changed, cut, expired or wrong-method URL is refused', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'a.txt' });
    const url = new URL(upload.signedUrl);
    const signature = url.searchParams.get('signature')!;
    const tampered = [
      upload.signedUrl.replace(signature, `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`),
      upload.signedUrl.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 1000}`),
      upload.signedUrl.replace('a.txt', 'b.txt'),
      `${url.origin}${url.pathname}`,
    ];
    for (const bad of tampered) {
      const res = await fetch(bad, { method: 'PUT', body: 'evil' });
      assert.equal(res.status, 403, bad);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_signed_url');
    }
    // The upload URL does not download.
    const asGet = await fetch(upload.signedUrl);
    assert.equal(asGet.status, 403);
    assert.equal(((await asGet.json()) as { error: string }).error, 'invalid_signed_url');
    // Expired: signed for the past with the server's own signer.
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = `${url.origin}${url.pathname}?${s.server.deps.urlSigner.sign('PUT', upload.key!, past)}`;
    const res = await fetch(expired, { method: 'PUT', body: 'late' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, 'signed_url_expired');
    assert.equal((await fetch(upload.publicUrl)).status, 404, 'nothing was stored');
  });

  it('another workspace can neither sign a download nor find the file by a guessed key', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'secret.txt' });
    await fetch(upload.signedUrl, { method: 'PUT', body: 'alice only' });
    for (const body of [{ key: upload.key! }, { url: upload.publicUrl }]) {
      await assert.rejects(other.files.generatePresignedDownloadUrl(body), (error: unknown) => error instanceof CloudAPIError && error.status === 404 && error.code === 'not_found');
    }
    // The same id under the other workspace's tag is another key, and nothing is there.
    const otherKey = (await other.files.generatePresignedUploadUrl({ filename: 'secret.txt' })).key!;
    const guessed = `${otherKey.split('/')[0]}/${upload.key!.split('/')[1]}/secret.txt`;
    await assert.rejects(other.files.generatePresignedDownloadUrl({ key: guessed }), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
    assert.equal((await fetch(`${s.url}/v1/files/public/${guessed}`)).status, 404);
  });

  it('refuses bad bodies and a key that was never uploaded', async () => {
    const token = s.token;
    const cases: [string, unknown, number, string, string?][] = [
      ['/v1/files/attachments/generate-presigned-upload-url', {}, 400, 'validation_error', 'filename'],
      ['/v1/files/attachments/generate-presigned-upload-url', { filename: '' }, 400, 'validation_error', 'filename'],
      ['/v1/files/attachments/generate-presigned-upload-url', { filename: 'a\u0000b' }, 400, 'validation_error', 'filename'],
      ['/v1/files/attachments/generate-presigned-download-url', {}, 400, 'validation_error', 'key'],
      ['/v1/files/attachments/generate-presigned-download-url', { key: 'a', url: 'http://x/a' }, 400, 'validation_error', 'key'],
      ['/v1/files/attachments/generate-presigned-download-url', { url: 'not a url' }, 400, 'validation_error', 'url'],
      ['/v1/files/attachments/generate-presigned-download-url', { key: '../../etc/passwd' }, 404, 'not_found'],
    ];
    for (const [path, body, status, code, field] of cases) {
      const res = await api(path, token, body);
      const json = (await res.json()) as { error: string; field?: string };
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(json.error, code);
      if (field !== undefined) assert.equal(json.field, field, JSON.stringify(json));
    }
    const never = await cloud.files.generatePresignedUploadUrl({ filename: 'never.txt' });
    await assert.rejects(cloud.files.generatePresignedDownloadUrl({ key: never.key! }), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
  });

  it('asking for an upload needs threads:write, a download threads:read', async () => {
    const reader = await tokenFor('u1', 'w1', ['threads:read']);
    const writer = await tokenFor('u1', 'w1', ['threads:write']);
    assert.equal((await api('/v1/files/attachments/generate-presigned-upload-url', reader, { filename: 'a.txt' })).status, 403);
    assert.equal((await api('/v1/files/attachments/generate-presigned-download-url', writer, { key: 'x' })).status, 403);
  });

  it('path traversal cannot reach a file: the key parts are checked', async () => {
    for (const path of ['/v1/files/public/..%2F..%2Fetc/passwd/x', '/v1/files/public/a/b/c', '/v1/files/blobs/%2e%2e/%2e%2e/x?expires=1&signature=x']) {
      const res = await fetch(`${s.url}${path}`);
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
    }
  });

  it('pdfToImages stays 404 (the client marks it deprecated)', async () => {
    await assert.rejects(cloud.files.pdfToImages({ file_url: 'http://x/a.pdf' }), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
  });
});

describe('files turned off', () => {
  it('answers feature_disabled', async () => {
    const s = await startListeningServer({ THREADGATE_FILES_STORE: 'off' });
    try {
      const res = await fetch(`${s.url}/v1/files/attachments/generate-presigned-upload-url`, {
        method: 'POST', headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ filename: 'a.txt' }),
      });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: string }).error, 'feature_disabled');
    } finally {
      await s.stop();
    }
  });
});
