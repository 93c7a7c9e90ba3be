/**
 * Attachments in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Ceph, ...), through
 * `@aws-sdk/client-s3` and its presigner: clients upload and download straight to and from the
 * bucket with presigned URLs (SigV4 query authentication), so the bytes never pass through
 * Threadgate and any number of processes on any number of machines share them.
 *
 * Object keys are the file keys themselves (file-key.ts). The upload URL signs no content type
 * (the client's `Content-Type` is stored as sent) and no checksum: the SDK would otherwise sign
 * the CRC32 of an empty body into the URL (its `WHEN_SUPPORTED` default) and S3 would refuse every
 * real upload. A presigned PUT cannot bound the size, so the size is checked when a download is
 * signed (http/routes/files.ts). Downloads of anything but a raster image are signed with
 * `response-content-disposition: attachment`.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FilesConfig } from '../../config.js';
import type { BlobStore } from '../blob-store.js';
import { attachmentDisposition, cleanContentType, isInlineContentType } from '../file-key.js';

export type S3FilesConfig = Extract<FilesConfig, { store: 's3' }>;

/**
 * @example
 * const store = createS3BlobStore({ store: 's3', bucket: 'attachments', region: 'us-east-1',
 *   endpoint: 'http://127.0.0.1:9000', accessKeyId: 'minio', secretAccessKey: '…', forcePathStyle: true })
 */
export function createS3BlobStore(config: S3FilesConfig): BlobStore {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.endpoint !== null ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId !== null && config.secretAccessKey !== null
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  };
  const client = new S3Client(clientConfig);
  const Bucket = config.bucket;
  const presign = (command: PutObjectCommand | GetObjectCommand, expiresAt: number, now: number) =>
    getSignedUrl(client, command, { expiresIn: Math.max(1, expiresAt - now), signingDate: new Date(now * 1000) });

  return {
    kind: 's3',
    async head(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key.key }));
        return { contentType: cleanContentType(head.ContentType), size: head.ContentLength ?? 0 };
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async uploadUrl(key, { expiresAt, now }) {
      return presign(new PutObjectCommand({ Bucket, Key: key.key }), expiresAt, now);
    },
    async downloadUrl(key, info, { expiresAt, now }) {
      const disposition = isInlineContentType(info.contentType) ? {} : { ResponseContentDisposition: attachmentDisposition(key) };
      return presign(new GetObjectCommand({ Bucket, Key: key.key, ...disposition }), expiresAt, now);
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key.key }));
    },
    async close() {
      client.destroy();
    },
  };
}
