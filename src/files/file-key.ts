/**
 * File keys: `<workspace tag>/<random id>/<file name>`, made by the server only.
 *
 * - The workspace tag is the first 128 bits of SHA-256 over the project and workspace ids
 *   (base64url): every key names the workspace that owns it, so a download is signed only for a
 *   key of the caller's own workspace, with no table to look up. (Not a secret: it only groups.)
 * - The id is 128 random bits (base64url): nobody can guess another file's key, or URL.
 * - The file name is the uploaded name reduced to `[A-Za-z0-9._-]` (other characters become `_`,
 *   never leading with a dot, at most 100 characters, `file` when nothing is left), kept so URLs
 *   end with the file's extension (assistant-ui reads a type from it) and downloads are named.
 *
 * Every part is checked against its pattern when a key comes back (`parseFileKey`), so a key
 * never contains `..`, a slash of its own, or anything a path or URL would read differently.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface FileKey {
  workspaceTag: string;
  id: string;
  name: string;
  /** `workspaceTag/id/name`. */
  key: string;
}

const TAG = /^[A-Za-z0-9_-]{22}$/;
const ID = /^[A-Za-z0-9_-]{22}$/;
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** The tag of a workspace's keys. */
export function workspaceTagOf(projectId: string, workspaceId: string): string {
  return createHash('sha256').update(`${projectId}\n${workspaceId}`).digest().subarray(0, 16).toString('base64url');
}

/** A file name made safe for a key: see the module comment. */
export function safeFileName(filename: string): string {
  const name = filename
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(-100)
    .replace(/^[._]+/, '');
  return NAME.test(name) ? name : 'file';
}

/**
 * @example
 * const { key } = newFileKey('default', 'ws-1', 'notes.txt') // 'Qk3…/Zx9…/notes.txt'
 */
export function newFileKey(projectId: string, workspaceId: string, filename: string): FileKey {
  const workspaceTag = workspaceTagOf(projectId, workspaceId);
  const id = randomBytes(16).toString('base64url');
  const name = safeFileName(filename);
  return { workspaceTag, id, name, key: `${workspaceTag}/${id}/${name}` };
}

/** The key's parts, or undefined when `key` is not a key this server makes. */
export function parseFileKey(key: string): FileKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 3) return undefined;
  const [workspaceTag, id, name] = parts as [string, string, string];
  if (!TAG.test(workspaceTag) || !ID.test(id) || !NAME.test(name)) return undefined;
  return { workspaceTag, id, name, key };
}

/** Content types served inline (rendered by `<img>`): raster images only. SVG can carry script. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** Whether a stored content type may be shown inline; anything else is sent as an attachment. */
export function isInlineContentType(contentType: string): boolean {
  return INLINE_TYPES.has(contentType.split(';', 1)[0]!.trim().toLowerCase());
}

/** `attachment; filename="<name>"`: the name is `[A-Za-z0-9._-]` only, so it needs no escaping. */
export function attachmentDisposition(key: FileKey): string {
  return `attachment; filename="${key.name}"`;
}

/** A content type as the uploader sent it, if it is a plain `type/subtype` (parameters allowed), else octet-stream. */
export function cleanContentType(raw: string | undefined | null): string {
  const value = raw?.trim() ?? '';
  return value.length <= 255 && /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/.test(value)
    ? value
    : 'application/octet-stream';
}
