/**
 * `threadgate token inspect <token> [--user-id u --workspace-id w]`: explains, step by step, why a
 * token (or API key) is accepted or refused against the live configuration (the database and
 * environment the server uses). Prints JSON; exits 0 when accepted, 2 when refused.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../config.js';
import { createServices } from '../../server.js';
import { createLogger } from '../../logger.js';
import { inspectToken } from '../../auth/inspect-token.js';
import { CliUsageError } from '../cli-usage-error.js';

export async function runTokenInspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'user-id': { type: 'string' }, 'workspace-id': { type: 'string' } },
  });
  const [token, ...extra] = positionals;
  if (token === undefined || extra.length > 0) throw new CliUsageError('token inspect takes one token');
  const config = resolveConfig(process.env);
  const services = await createServices(config, { logger: createLogger('silent'), generateAdminKey: false });
  try {
    const report = await inspectToken(services.deps.authenticator, token, {
      ...(values['user-id'] !== undefined ? { userId: values['user-id'] } : {}),
      ...(values['workspace-id'] !== undefined ? { workspaceId: values['workspace-id'] } : {}),
    });
    console.log(JSON.stringify(report, null, 2));
    return report.accepted ? 0 : 2;
  } finally {
    await services.close();
  }
}
