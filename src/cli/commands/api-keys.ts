/** `threadgate api-keys create|list|revoke`: manages API keys directly in the database. */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { openCliStore } from '../open-cli-store.js';
import { isScope, type Scope } from '../../auth/principal.js';
import { toWireApiKey } from '../../modules/credentials-admin/credentials-wire.js';
import { CliUsageError } from '../cli-usage-error.js';

export async function runApiKeys(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveConfig(process.env);
  const { credentials, actor, close } = await openCliStore(config);
  try {
    switch (action) {
      case 'create': {
        const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scopes: { type: 'string' }, agents: { type: 'string' } } });
        if (!values.name) throw new CliUsageError('api-keys create needs --name');
        const scopes = values.scopes?.split(',').map((s) => s.trim());
        const badScope = scopes?.find((scope) => !isScope(scope));
        if (badScope !== undefined) throw new CliUsageError(`unknown scope "${badScope}"`);
        const agents = values.agents === undefined || values.agents === 'all' ? 'all' : values.agents.split(',').map((a) => a.trim());
        const { record, key } = await credentials.service.createApiKey(
          { name: values.name, ...(scopes !== undefined ? { scopes: scopes as Scope[] } : {}), agents },
          actor,
        );
        console.log(JSON.stringify({ ...toWireApiKey(record), key }, null, 2));
        console.error('The key is shown only this once: store it in your backend\'s secrets.');
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new CliUsageError('api-keys list takes no arguments');
        console.log(JSON.stringify((await credentials.service.listApiKeys()).map(toWireApiKey), null, 2));
        return 0;
      }
      case 'revoke': {
        const [id, ...extra] = rest;
        if (id === undefined || extra.length > 0) throw new CliUsageError('api-keys revoke takes one key id');
        if (!(await credentials.service.revokeApiKey(id, actor))) {
          console.error(`threadgate: no API key "${id}"`);
          return 1;
        }
        console.log(`Revoked ${id}.`);
        return 0;
      }
      default:
        throw new CliUsageError(`api-keys ${action ?? ''}: expected create, list or revoke`);
    }
  } finally {
    await close();
  }
}
