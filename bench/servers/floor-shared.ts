/**
 * What both floor servers share: the row → wire JSON mapping (the same fields and formats as
 * src/http/wire.ts toWireThread), the minimal body check of an append, and ids in the same layout
 * as src/crypto/random-id.ts (prefix, 10 time characters, 16 random ones).
 */
import { randomBytes } from 'node:crypto';

export interface ThreadRow {
  id: string;
  project_id: string;
  workspace_id: string;
  title: string;
  last_message_at: number;
  metadata: string;
  external_id: string | null;
  is_archived: number;
  created_at: number;
  updated_at: number;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export function floorThread(row: ThreadRow) {
  return {
    id: row.id,
    project_id: row.project_id,
    workspace_id: row.workspace_id,
    title: row.title,
    last_message_at: iso(row.last_message_at),
    metadata: JSON.parse(row.metadata) as unknown,
    external_id: row.external_id,
    is_archived: Number(row.is_archived) === 1,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function readAppendBody(body: unknown): { parentId: string | null; format: string; content: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { parent_id: parentId, format, content } = body as Record<string, unknown>;
  if (parentId !== null && typeof parentId !== 'string') return undefined;
  if (typeof format !== 'string' || typeof content !== 'object' || content === null) return undefined;
  return { parentId, format, content };
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function createFloorId(prefix: string, now: number): string {
  let time = '';
  for (let i = 0, value = now; i < 10; i++, value = Math.floor(value / 32)) time = ALPHABET[value % 32] + time;
  let random = '';
  for (const byte of randomBytes(16)) random += ALPHABET[byte % 32];
  return `${prefix}_${time}${random}`;
}
