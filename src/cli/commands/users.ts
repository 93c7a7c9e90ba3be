/** `threadgate users revoke <id>`: every session and token of the user issued before now is refused. */
import { resolveConfig } from '../../config.js';
import { openCliStore } from '../open-cli-store.js';
import { CliUsageError } from '../cli-usage-error.js';

export async function runUsers(args: string[]): Promise<number> {
  const [action, userId, ...extra] = args;
  if (action !== 'revoke' || userId === undefined || extra.length > 0) throw new CliUsageError('users: expected "users revoke <user id>"');
  const config = resolveConfig(process.env);
  const { users, actor, close } = await openCliStore(config);
  try {
    await users.service.revokeUser(userId, actor);
    console.log(`Revoked every session and token of ${userId} issued before now.`);
    return 0;
  } finally {
    await close();
  }
}
