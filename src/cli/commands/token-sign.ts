/**
 * `threadgate token sign --key <id> --sub <user> [--workspace <ws>] [--ttl 24h]`: signs a user
 * token with a stored authentication key, for trying the server out (VoltAgent's
 * generate-token.js, built in). The token goes to stdout alone, so `TOKEN=$(threadgate token sign
 * ...)` works; a ready curl line against GET /v1/me goes to stderr.
 *
 * In production your backend signs the tokens (docs/credentials/auth-keys.md); this command
 * needs the database and the master key, which a backend never has.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { createSecretBox } from '../../crypto/secret-box.js';
import { loadMasterKey } from '../../master-key.js';
import { AUTH_KEY_PURPOSE } from '../../auth/auth-key.js';
import { validateIdentityHeader } from '../../auth/api-key.js';
import { parseDurationSeconds, signUserToken } from '../../auth/sign-user-token.js';
import { CliUsageError } from '../cli-usage-error.js';
import { openCliStore } from '../open-cli-store.js';

function checkIdentity(option: string, value: string): string {
  try {
    return validateIdentityHeader(option, value);
  } catch {
    throw new CliUsageError(`${option} must be 1 to 255 printable ASCII characters without surrounding spaces`);
  }
}

export async function runTokenSign(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string' }, sub: { type: 'string' }, workspace: { type: 'string' }, ttl: { type: 'string' } },
  });
  if (positionals.length > 0) throw new CliUsageError(`token sign: unexpected "${positionals[0]}"`);
  if (!values.key) throw new CliUsageError('token sign needs --key <authentication key id>');
  if (values.sub === undefined) throw new CliUsageError('token sign needs --sub <user id>');
  const sub = checkIdentity('--sub', values.sub);
  const workspaceId = values.workspace === undefined ? undefined : checkIdentity('--workspace', values.workspace);
  let ttlSeconds: number;
  try {
    ttlSeconds = parseDurationSeconds(values.ttl ?? '24h');
  } catch (error) {
    throw new CliUsageError(`--ttl: ${(error as Error).message}`);
  }

  const config = resolveConfig(process.env);
  const { credentials, close } = await openCliStore(config);
  let secret: string;
  try {
    const record = await credentials.repository.getAuthKey(config.projectId, values.key);
    if (record === undefined) {
      console.error(`threadgate: no authentication key "${values.key}" (threadgate auth-keys list shows them)`);
      return 1;
    }
    try {
      secret = createSecretBox(loadMasterKey(config).key).open(record.secretEncrypted, AUTH_KEY_PURPOSE);
    } catch {
      console.error('threadgate: the key\'s secret cannot be opened: THREADGATE_MASTER_KEY is not the one the key was created under');
      return 1;
    }
  } finally {
    await close();
  }
  const now = Date.now();
  const token = await signUserToken({
    keyId: values.key,
    secret,
    sub,
    ...(workspaceId !== undefined ? { workspaceId, workspaceClaim: config.userTokenWorkspaceClaim } : {}),
    expiresIn: ttlSeconds,
    now,
  });
  const url = (process.env.THREADGATE_URL || `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  console.log(token);
  console.error(
    `\nA user token for "${sub}" in workspace "${workspaceId ?? sub}", signed with ${values.key}, ` +
      `valid until ${new Date((Math.floor(now / 1000) + ttlSeconds) * 1000).toISOString()}.\n\nTest with curl:\n` +
      `curl -H "Authorization: Bearer ${token}" ${url}/v1/me`,
  );
  if (config.userTokenHeader !== null) console.error(`curl -H "${config.userTokenHeader}: ${token}" ${url}/v1/me`);
  return 0;
}
