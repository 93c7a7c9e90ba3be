/**
 * Where attachment bytes live. One interface, two implementations (kysely's one `Dialect`, one
 * folder per database): local/ keeps them in a folder and Threadgate serves its own signed URLs;
 * s3/ keeps them in any S3-compatible bucket and hands out the bucket's presigned URLs, so several
 * processes on several machines share them.
 *
 * A store knows nothing of workspaces: the routes (http/routes/files.ts) decide who may reach
 * which key (file-key.ts puts the owning workspace in every key) before calling it.
 */
import type { FileKey } from './file-key.js';

export interface BlobInfo {
  /** As the uploader sent it (cleaned: file-key.ts `cleanContentType`). */
  contentType: string;
  size: number;
}

export interface SignedUrlOptions {
  /** Unix seconds; the URL stops working then. */
  expiresAt: number;
  /** Unix seconds, now. */
  now: number;
  /** The URL clients reach Threadgate at, without a trailing slash (THREADGATE_PUBLIC_URL or the request's). */
  baseUrl: string;
}

/** What only the local store does: Threadgate itself receives and serves the bytes. */
export interface LocalBlobAccess {
  /**
   * Stores `body` under `key`, replacing what was there, counting bytes as they arrive: past
   * `maxBytes` it stops reading, keeps nothing, and throws `payload_too_large`.
   */
  write(key: FileKey, body: AsyncIterable<Uint8Array>, contentType: string, maxBytes: number): Promise<BlobInfo>;
  /** The bytes and what they are, or undefined when nothing is stored under `key`. Cancel `body` if it is not read. */
  read(key: FileKey): Promise<{ info: BlobInfo; body: ReadableStream<Uint8Array> } | undefined>;
}

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** What is stored under `key`, or undefined when nothing is. */
  head(key: FileKey): Promise<BlobInfo | undefined>;
  /** A URL that accepts one `PUT` of the bytes (with their `Content-Type`) until it expires. */
  uploadUrl(key: FileKey, options: SignedUrlOptions): Promise<string>;
  /** A URL that `GET`s the bytes until it expires; `info` is what `head` said. */
  downloadUrl(key: FileKey, info: BlobInfo, options: SignedUrlOptions): Promise<string>;
  delete(key: FileKey): Promise<void>;
  /** Set only by the local store. */
  readonly local?: LocalBlobAccess;
  close(): Promise<void>;
}
