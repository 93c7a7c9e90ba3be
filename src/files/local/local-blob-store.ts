/**
 * Attachments in a local folder (the default: `threadgate.db-files` beside a SQLite file).
 * Threadgate receives the uploads and serves the downloads itself, through URLs it signs
 * (url-signature.ts), under `/v1/files/blobs/<key>`.
 *
 * Layout: `<dir>/<workspace tag>/<id>/blob` holds the bytes, `meta.json` beside it the key,
 * content type and size. Paths are built from the parts of a parsed key (file-key.ts: letters,
 * digits, `_` and `-` only), never from the file name, so no key reaches outside the folder.
 * Writes go to a temporary file first and are renamed into place: a reader sees the old file or the
 * new one, never half of one. Folders are created `0700`, files `0600`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ThreadgateError } from '../../errors.js';
import type { BlobInfo, BlobStore } from '../blob-store.js';
import type { FileKey } from '../file-key.js';
import type { UrlSigner } from '../url-signature.js';

/** Where the signed routes live (http/routes/files.ts). */
export const LOCAL_BLOB_PATH = '/v1/files/blobs';

interface Meta extends BlobInfo {
  key: string;
}

/**
 * @example
 * const store = createLocalBlobStore({ dir: './threadgate.db-files', signer: createUrlSigner(masterKey) })
 */
export function createLocalBlobStore(options: { dir: string; signer: UrlSigner }): BlobStore {
  const root = resolve(options.dir);
  const { signer } = options;
  const folderOf = (key: FileKey) => join(root, key.workspaceTag, key.id);

  async function readMeta(key: FileKey): Promise<Meta | undefined> {
    let text: string;
    try {
      text = await readFile(join(folderOf(key), 'meta.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const meta = JSON.parse(text) as Meta;
    // The id is the file; the name in the key must be the one it was uploaded under.
    return meta.key === key.key ? meta : undefined;
  }

  async function writeAtomically(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await write(tmp);
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  const url = (method: 'GET' | 'PUT', key: FileKey, expiresAt: number, baseUrl: string) =>
    `${baseUrl}${LOCAL_BLOB_PATH}/${key.key}?${signer.sign(method, key.key, expiresAt)}`;

  return {
    kind: 'local',
    async head(key) {
      const meta = await readMeta(key);
      return meta === undefined ? undefined : { contentType: meta.contentType, size: meta.size };
    },
    async uploadUrl(key, { expiresAt, baseUrl }) {
      return url('PUT', key, expiresAt, baseUrl);
    },
    async downloadUrl(key, _info, { expiresAt, baseUrl }) {
      return url('GET', key, expiresAt, baseUrl);
    },
    async delete(key) {
      await rm(folderOf(key), { recursive: true, force: true });
    },
    local: {
      async write(key, body, contentType, maxBytes) {
        const folder = folderOf(key);
        await mkdir(folder, { recursive: true, mode: 0o700 });
        let size = 0;
        await writeAtomically(join(folder, 'blob'), async (tmp) => {
          const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
          try {
            for await (const chunk of body) {
              size += chunk.byteLength;
              if (size > maxBytes) {
                throw new ThreadgateError('payload_too_large', { message: `The file is larger than ${maxBytes} bytes.` });
              }
              if (!out.write(chunk)) await once(out, 'drain');
            }
            out.end();
            await once(out, 'close');
          } catch (error) {
            // The file is opened asynchronously: wait until the stream has closed, so the open
            // cannot land after writeAtomically's rm and leave the temporary file behind.
            const closed = out.closed ? undefined : new Promise<void>((settle) => out.once('close', () => settle()));
            out.destroy();
            await closed;
            throw error;
          }
        });
        const meta: Meta = { key: key.key, contentType, size };
        await writeAtomically(join(folder, 'meta.json'), (tmp) => writeFile(tmp, JSON.stringify(meta), { flag: 'wx', mode: 0o600 }));
        return { contentType, size };
      },
      async read(key) {
        const meta = await readMeta(key);
        if (meta === undefined) return undefined;
        let handle;
        try {
          handle = await open(join(folderOf(key), 'blob'), 'r');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
        // The size of the bytes opened, not the recorded one: a file replaced between the two
        // reads keeps its Content-Length right.
        const { size } = await handle.stat();
        const stream = handle.createReadStream();
        return { info: { contentType: meta.contentType, size }, body: Readable.toWeb(stream) as ReadableStream<Uint8Array> };
      },
    },
    async close() {},
  };
}
