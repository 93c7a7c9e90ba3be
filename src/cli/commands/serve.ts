/** `threadgate serve`: starts the server and prints where it listens and how to get a credential. */
import { resolveConfig } from '../../config.js';
import { startServer, type RunningServer } from '../../server.js';
import { CliUsageError } from '../cli-usage-error.js';

/** After the drain deadline, how long closing the store and Redis may take before the process exits anyway. */
const CLOSE_GRACE_MS = 10_000;

export async function runServe(args: string[]): Promise<number> {
  if (args.length > 0) throw new CliUsageError(`serve takes no arguments (got "${args.join(' ')}"); configure it with environment variables`);
  const config = resolveConfig(process.env);
  const running = await startServer(config);
  printBanner(running);
  let stopping = false;
  const stop = (signal: string) => {
    const { logger } = running.deps;
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    const deadlineMs = config.shutdownTimeoutMs;
    logger.info({ signal, deadlineMs }, 'shutting down: draining requests in flight');
    // Should closing the store or Redis itself hang, the process still ends.
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, deadlineMs + CLOSE_GRACE_MS).unref();
    running.close().then(
      () => {
        logger.info({ signal }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return 0;
}

function printBanner(running: RunningServer): void {
  const { config } = running.deps;
  const database = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  const lines = [
    `Threadgate listening on ${running.url} (${config.mode} mode, ${database}${config.redisUrl ? ', Redis' : ''})`,
  ];
  if (config.mode === 'development') {
    const cors = config.corsOrigins.length === 0 ? ', CORS allows any origin' : '';
    lines.push(`  DEVELOPMENT MODE: anonymous sessions default to on${cors}. Set NODE_ENV=production for real use.`);
  }
  if (config.mode === 'production' && config.corsOrigins.length === 0) {
    // Production without THREADGATE_CORS_ORIGINS sends no CORS headers: say so before a browser app finds out.
    lines.push('  CORS: no origin is allowed, so browsers on other origins are refused until THREADGATE_CORS_ORIGINS lists them (e.g. THREADGATE_CORS_ORIGINS=https://app.example.com).');
  } else if (config.corsOrigins.length > 0) {
    lines.push(`  CORS: browsers may call from ${config.corsOrigins.join(', ')}`);
  }
  const origin = running.masterKey.origin;
  if (origin !== 'environment') {
    const path = 'generatedFile' in origin ? origin.generatedFile : origin.file;
    lines.push(
      `  Master key: ${'generatedFile' in origin ? 'GENERATED' : 'read from'} ${path} (development only; set THREADGATE_MASTER_KEY in production, and keep this file: it decrypts the stored signing keys).`,
    );
  }
  if (running.generatedAdminKey !== null) {
    lines.push(
      '',
      '  Admin key (shown this once; it is stored only as a hash):',
      `    ${running.generatedAdminKey}`,
    );
  }
  lines.push(
    '',
    '  First credential: create an API key for your backend',
    `    curl -s -X POST ${running.url}/admin/v1/api-keys -H "Authorization: Bearer <admin key>" -H "Content-Type: application/json" -d '{"name":"my app"}'`,
    '  or: npx threadgate api-keys create --name "my app"',
    `  Anonymous sessions: ${config.anonymousEnabled ? `on (POST ${running.url}/v1/auth/tokens/anonymous)` : 'off (THREADGATE_ANONYMOUS=true turns them on)'}`,
    `  API reference: ${running.url}/ui   OpenAPI: ${running.url}/doc`,
  );
  console.log(lines.join('\n'));
}
