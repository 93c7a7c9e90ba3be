/**
 * `threadgate keys rotate`: a new signing key signs workspace tokens from now on; the old public
 * keys stay in /.well-known/jwks.json until every token they signed has expired. Running servers
 * pick the new key up when they meet its `kid` or on their next key refresh.
 */
import { resolveConfig } from '../../config.js';
import { openCliStore } from '../open-cli-store.js';
import { createKeyring } from '../../auth/keyring.js';
import { createSecretBox } from '../../crypto/secret-box.js';
import { loadMasterKey } from '../../master-key.js';
import { CliUsageError } from '../cli-usage-error.js';

export async function runKeys(args: string[]): Promise<number> {
  if (args[0] !== 'rotate' || args.length > 1) throw new CliUsageError('keys: expected "keys rotate"');
  const config = resolveConfig(process.env);
  const { store, events, actor, close } = await openCliStore(config);
  try {
    const keyring = await createKeyring({
      store,
      secretBox: createSecretBox(loadMasterKey(config).key),
      workspaceTokenTtlSeconds: config.workspaceTokenTtlSeconds,
      clockToleranceSeconds: config.clockToleranceSeconds,
    });
    const kid = await keyring.rotate();
    events.publish('signing_key.rotated', { kid }, actor);
    console.log(`New signing key ${kid} is active; earlier keys stay published until their tokens expire.`);
    return 0;
  } finally {
    await close();
  }
}
