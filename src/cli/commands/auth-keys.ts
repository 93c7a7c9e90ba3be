/**
 * `threadgate auth-keys create|list|update|delete`: manages authentication keys (HS256 user tokens)
 * directly in the database, as `POST|GET|PATCH|DELETE /admin/v1/auth-keys` do over HTTP.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import type { AuthKeyUpdate } from '../../auth/auth-key.js';
import { toWireAuthKey } from '../../modules/credentials-admin/credentials-wire.js';
import { CliUsageError } from '../cli-usage-error.js';
import { openCliStore } from '../open-cli-store.js';

const FIELD_OPTIONS = { name: { type: 'string' }, agents: { type: 'string' }, 'user-fields': { type: 'string' } } as const;

/** The options given, as a change: `--agents all|id,id`, `--user-fields JSON`. */
function toUpdate(values: { name?: string; agents?: string; 'user-fields'?: string }): AuthKeyUpdate {
  const update: AuthKeyUpdate = {};
  if (values.name !== undefined) update.name = values.name;
  if (values.agents !== undefined) update.agents = values.agents === 'all' ? 'all' : values.agents.split(',').map((agent) => agent.trim());
  if (values['user-fields'] !== undefined) {
    try {
      update.userFields = JSON.parse(values['user-fields']);
    } catch {
      throw new CliUsageError('--user-fields must be a JSON object, e.g. \'{"name": "name", "org": "org_id"}\'');
    }
  }
  return update;
}

export async function runAuthKeys(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create' && action !== 'list' && action !== 'update' && action !== 'delete') {
    throw new CliUsageError(`auth-keys ${action ?? ''}: expected create, list, update or delete`);
  }
  const config = resolveConfig(process.env);
  const { credentials, actor, close } = await openCliStore(config);
  try {
    switch (action) {
      case 'create': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: FIELD_OPTIONS });
        if (!values.name) throw new CliUsageError('auth-keys create needs --name');
        if (positionals.length > 0) throw new CliUsageError(`auth-keys create: unexpected "${positionals[0]}"`);
        const { record, secret } = await credentials.service.createAuthKey({ agents: 'all', ...toUpdate(values), name: values.name }, actor);
        console.log(JSON.stringify({ ...toWireAuthKey(record), secret }, null, 2));
        console.error('The secret is shown only this once: store the id and the secret in your backend\'s secrets.');
        console.error(`Sign a test token: threadgate token sign --key ${record.id} --sub <user-id>`);
        return 0;
      }
      case 'update': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...FIELD_OPTIONS, 'clear-user-fields': { type: 'boolean' } } });
        const [id, ...extra] = positionals;
        if (id === undefined || extra.length > 0) throw new CliUsageError('auth-keys update takes one key id');
        if (values['clear-user-fields'] && values['user-fields'] !== undefined) throw new CliUsageError('auth-keys update: --user-fields or --clear-user-fields, not both');
        const patch = { ...toUpdate(values), ...(values['clear-user-fields'] ? { userFields: null } : {}) };
        if (Object.keys(patch).length === 0) throw new CliUsageError('auth-keys update: nothing to change');
        const record = await credentials.service.updateAuthKey(id, patch, actor);
        if (record === undefined) {
          console.error(`threadgate: no authentication key "${id}"`);
          return 1;
        }
        console.log(JSON.stringify(toWireAuthKey(record), null, 2));
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new CliUsageError('auth-keys list takes no arguments');
        console.log(JSON.stringify((await credentials.service.listAuthKeys()).map(toWireAuthKey), null, 2));
        return 0;
      }
      case 'delete': {
        const [id, ...extra] = rest;
        if (id === undefined || extra.length > 0) throw new CliUsageError('auth-keys delete takes one key id');
        if (!(await credentials.service.deleteAuthKey(id, actor))) {
          console.error(`threadgate: no authentication key "${id}"`);
          return 1;
        }
        console.log(`Deleted ${id}: its tokens are refused from now on.`);
        return 0;
      }
    }
  } finally {
    await close();
  }
}
