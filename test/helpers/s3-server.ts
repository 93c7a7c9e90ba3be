/**
 * A real S3-compatible server on 127.0.0.1 and a free port, with one empty bucket: @20minutes/s3rver
 * (a maintained fork of s3rver that checks SigV4 signatures, presigned URLs included), keeping its
 * objects in a temp folder. Its one account is `S3RVER` / `S3RVER`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** THREADGATE_* variables that point the S3 file store at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'threadgate-files'): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'threadgate-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }], vhostBuckets: false });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      THREADGATE_FILES_STORE: 's3',
      THREADGATE_S3_BUCKET: bucket,
      THREADGATE_S3_ENDPOINT: endpoint,
      THREADGATE_S3_REGION: 'us-east-1',
      THREADGATE_S3_ACCESS_KEY_ID: 'S3RVER',
      THREADGATE_S3_SECRET_ACCESS_KEY: 'S3RVER',
      THREADGATE_S3_FORCE_PATH_STYLE: 'true',
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
