/**
 * The S3 file store against a real S3-compatible server started here (test/helpers/s3-server.ts):
 * the assistant-cloud client's calls through a real Threadgate, uploads and downloads straight to
 * and from the bucket with presigned URLs, and what is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssistantCloud, CloudAPIError } from 'assistant-cloud';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';
import { startS3Server, type S3Server } from '../../helpers/s3-server.js';
import { mintWorkspaceToken } from '../../../src/auth/workspace-token.js';
import { ALL_SCOPES } from '../../../src/auth/principal.js';
import { createS3BlobStore } from '../../../src/files/s3/s3-blob-store.js';
import { newFileKey } from '../../../src/files/file-key.js';
import { resolveConfig } from '../../../src/config.js';

describe('files (S3 store)', () => {
  let s3: S3Server;
  let s: ListeningServer;
  let cloud: AssistantCloud;
  let other: AssistantCloud;

  before(async () => {
    s3 = await startS3Server();
    s = await startListeningServer({ ...s3.env, THREADGATE_FILES_MAX_BYTES: '1000' });
    cloud = new AssistantCloud({ baseUrl: s.url, authToken: async () => s.token });
    const { token } = await mintWorkspaceToken(s.server.deps.keyring, s.server.deps.config, {
      projectId: s.server.deps.config.projectId, userId: 'u2', workspaceId: 'w2', scopes: new Set(ALL_SCOPES), agents: 'all', anonymous: false,
      credential: { source: 'workspace_token', id: 'test' },
    });
    other = new AssistantCloud({ baseUrl: s.url, authToken: async () => token });
  });
  after(async () => {
    await s?.stop();
    await s3?.stop();
  });

  it('uploads to and downloads from the bucket with presigned URLs, content type kept', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'report.pdf' });
    assert.ok(upload.signedUrl.startsWith(`${s3.endpoint}/${s3.bucket}/${upload.key}?`), upload.signedUrl);
    assert.match(upload.signedUrl, /X-Amz-Signature=/);
    assert.doesNotMatch(upload.signedUrl, /x-amz-checksum/i, 'no checksum of an empty body signed into the URL');
    assert.equal(upload.publicUrl, `${s.url}/v1/files/public/${upload.key}`);

    const put = await fetch(upload.signedUrl, { method: 'PUT', body: '%PDF-1.4 fake', headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(put.status, 200, await put.text());

    const download = await cloud.files.generatePresignedDownloadUrl({ key: upload.key! });
    assert.ok(download.signedUrl.startsWith(`${s3.endpoint}/${s3.bucket}/`));
    let res = await fetch(download.signedUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="report.pdf"');
    assert.equal(await res.text(), '%PDF-1.4 fake');

    // The public URL is Threadgate's: it redirects to a fresh presigned URL of the bucket.
    const redirect = await fetch(upload.publicUrl, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.ok(redirect.headers.get('location')!.startsWith(`${s3.endpoint}/${s3.bucket}/${upload.key}?`));
    res = await fetch(upload.publicUrl);
    assert.equal(await res.text(), '%PDF-1.4 fake');

    const byUrl = await cloud.files.generatePresignedDownloadUrl({ url: upload.publicUrl });
    assert.equal(byUrl.key, upload.key);
  });

  it('images are signed for inline display', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'cat.png' });
    await fetch(upload.signedUrl, { method: 'PUT', body: 'png', headers: { 'Content-Type': 'image/png' } });
    const res = await fetch((await cloud.files.generatePresignedDownloadUrl({ key: upload.key! })).signedUrl);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('content-disposition'), null);
    await res.arrayBuffer();
  });

  it('the bucket refuses a changed URL (the signature is checked)', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'a.txt' });
    const bad = upload.signedUrl.replace('a.txt', 'b.txt');
    assert.equal((await fetch(bad, { method: 'PUT', body: 'evil' })).status, 403);
  });

  it('another workspace can neither sign a download nor reach the file by a guessed key', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'secret.txt' });
    await fetch(upload.signedUrl, { method: 'PUT', body: 'mine', headers: { 'Content-Type': 'text/plain' } });
    for (const body of [{ key: upload.key! }, { url: upload.publicUrl }]) {
      await assert.rejects(other.files.generatePresignedDownloadUrl(body), (error: unknown) => error instanceof CloudAPIError && error.status === 404 && error.code === 'not_found');
    }
    const otherTag = (await other.files.generatePresignedUploadUrl({ filename: 'x' })).key!.split('/')[0];
    const guessed = `${otherTag}/${upload.key!.split('/')[1]}/secret.txt`;
    await assert.rejects(other.files.generatePresignedDownloadUrl({ key: guessed }), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
    assert.equal((await fetch(`${s.url}/v1/files/public/${guessed}`, { redirect: 'manual' })).status, 404);
  });

  it('a file over the limit is found when a download is signed, refused and deleted', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'big.bin' });
    await fetch(upload.signedUrl, { method: 'PUT', body: 'x'.repeat(1001) });
    await assert.rejects(cloud.files.generatePresignedDownloadUrl({ key: upload.key! }), (error: unknown) => error instanceof CloudAPIError && error.status === 413 && error.code === 'payload_too_large');
    await assert.rejects(cloud.files.generatePresignedDownloadUrl({ key: upload.key! }), (error: unknown) => error instanceof CloudAPIError && error.status === 404);
  });

  it('the local blob routes are not served with the S3 store', async () => {
    const upload = await cloud.files.generatePresignedUploadUrl({ filename: 'a.txt' });
    const res = await fetch(`${s.url}/v1/files/blobs/${upload.key}?expires=1&signature=x`, { method: 'PUT', body: 'x' });
    assert.equal(res.status, 404);
  });

  it('a presigned URL expires', async () => {
    const store = createS3BlobStore(resolveConfig(s3.env).files as Parameters<typeof createS3BlobStore>[0]);
    try {
      const key = newFileKey('p', 'w', 'late.txt');
      const now = Math.floor(Date.now() / 1000);
      // Signed an hour ago for one minute.
      const url = await store.uploadUrl(key, { now: now - 3600, expiresAt: now - 3540, baseUrl: '' });
      assert.equal((await fetch(url, { method: 'PUT', body: 'late' })).status, 403);
      assert.equal(await store.head(key), undefined);
    } finally {
      await store.close();
    }
  });
});
