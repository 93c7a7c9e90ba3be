/**
 * `threadgate auth-keys create|list|delete`: manages authentication keys (HS256 user tokens)
 * directly in the database, as `POST|GET|DELETE /admin/v1/auth-keys` do over HTTP.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { toWireAuthKey } from '../../modules/credentials-admin/credentials-wire.js';
import { CliUsageError } from '../cli-usage-error.js';
import { openCliStore } from '../open-cli-store.js';

export async function runAuthKeys(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create' && action !== 'list' && action !== 'delete') {
    throw new CliUsageError(`auth-keys ${action ?? ''}: expected create, list or delete`);
  }
  const config = resolveConfig(process.env);
  const { credentials, actor, close } = await openCliStore(config);
  try {
    switch (action) {
      case 'create': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { name: { type: 'string' }, agents: { type: 'string' }, 'user-fields': { type: 'string' } } });
        if (!values.name) throw new CliUsageError('auth-keys create needs --name');
        if (positionals.length > 0) throw new CliUsageError(`auth-keys create: unexpected "${positionals[0]}"`);
        const agents = values.agents === undefined || values.agents === 'all' ? 'all' : values.agents.split(',').map((agent) => agent.trim());
        let userFields: unknown;
        try {
          userFields = values['user-fields'] === undefined ? undefined : JSON.parse(values['user-fields']);
        } catch {
          throw new CliUsageError('--user-fields must be a JSON object, e.g. \'{"name": "name", "org": "org_id"}\'');
        }
        const { record, secret } = await credentials.service.createAuthKey({ name: values.name, agents, ...(userFields !== undefined ? { userFields } : {}) }, actor);
        console.log(JSON.stringify({ ...toWireAuthKey(record), secret }, null, 2));
        console.error('The secret is shown only this once: store the id and the secret in your backend\'s secrets.');
        console.error(`Sign a test token: threadgate token sign --key ${record.id} --sub <user-id>`);
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
