/**
 * `threadgate audit [--kind k] [--actor a] [--object id] [--since t] [--until t] [--limit n] [--cursor c]`:
 * the audit log, newest first, as `GET /admin/v1/audit` answers it (docs/audit.md), read from the
 * database directly.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { openStore } from '../../store/open-store.js';
import { kyselyOf } from '../../store/kysely-store.js';
import { createAuditRepository, type AuditQuery } from '../../modules/audit/audit-repository.js';
import { decodeCursor, encodeCursor, toWireAuditEvent } from '../../modules/audit/audit-routes.js';
import { EVENT_TYPES, type Actor } from '../../platform/events/bus.js';
import { CliUsageError } from '../cli-usage-error.js';

const ACTORS: readonly Actor['kind'][] = ['admin_key', 'cli', 'anonymous', 'system'];

function readTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CliUsageError(`--${name}: not a time, e.g. 2030-01-31T00:00:00Z`);
  return ms;
}

export async function runAudit(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      actor: { type: 'string' },
      object: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new CliUsageError(`audit: unexpected "${positionals[0]}"`);
  if (values.kind !== undefined && !(EVENT_TYPES as readonly string[]).includes(values.kind)) throw new CliUsageError(`--kind: one of ${EVENT_TYPES.join(', ')}`);
  if (values.actor !== undefined && !(ACTORS as readonly string[]).includes(values.actor)) throw new CliUsageError(`--actor: one of ${ACTORS.join(', ')}`);
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliUsageError('--limit: a whole number from 1 to 500');
  let after: AuditQuery['after'];
  if (values.cursor !== undefined) {
    try {
      after = decodeCursor(values.cursor);
    } catch {
      throw new CliUsageError('--cursor: not a cursor this command or the server handed out');
    }
  }
  const since = readTime('since', values.since);
  const until = readTime('until', values.until);
  const config = resolveConfig(process.env);
  const store = await openStore(config.database);
  try {
    await store.migrate();
    const records = await createAuditRepository(kyselyOf(store)).list({
      projectId: config.projectId,
      ...(values.kind !== undefined ? { kind: values.kind } : {}),
      ...(values.actor !== undefined ? { actor: values.actor as Actor['kind'] } : {}),
      ...(values.object !== undefined ? { objectId: values.object } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(after !== undefined ? { after } : {}),
      limit,
    });
    const last = records.at(-1);
    const nextCursor = records.length === limit && last !== undefined ? encodeCursor(last) : null;
    console.log(JSON.stringify({ events: records.map(toWireAuditEvent), next_cursor: nextCursor }, null, 2));
    return 0;
  } finally {
    await store.close();
  }
}
