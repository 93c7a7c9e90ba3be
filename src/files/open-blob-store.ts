/**
 * The blob store the configuration names (THREADGATE_FILES_STORE), or null when attachments are
 * off. The S3 SDK is loaded only when the S3 store is chosen, as the `pg` driver is only for
 * PostgreSQL.
 */
import type { ResolvedConfig } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { createLocalBlobStore } from './local/local-blob-store.js';
import type { UrlSigner } from './url-signature.js';

export async function openBlobStore(config: ResolvedConfig, signer: UrlSigner): Promise<BlobStore | null> {
  const files = config.files;
  switch (files.store) {
    case 'off':
      return null;
    case 'local':
      return createLocalBlobStore({ dir: files.dir, signer });
    case 's3': {
      const { createS3BlobStore } = await import('./s3/s3-blob-store.js');
      return createS3BlobStore(files);
    }
  }
}
