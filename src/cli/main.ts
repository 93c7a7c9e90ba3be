#!/usr/bin/env node
/**
 * `threadgate <command>`: serve, migrate, api-keys create|list|revoke, auth-keys create|list|update|delete,
 * auth-rules create|list|update|delete,
 * keys rotate, users revoke, memories count|list|erase|reembed, token inspect|sign, audit,
 * providers add|list|update|remove, agents create|list|update|enable|disable|delete|runs.
 * Every command reads the same environment as the server (docs/configuration.md).
 */
import { ConfigError } from '../config.js';
import { runServe } from './commands/serve.js';
import { runMigrate } from './commands/migrate.js';
import { runApiKeys } from './commands/api-keys.js';
import { runKeys } from './commands/keys.js';
import { runUsers } from './commands/users.js';
import { runToken } from './commands/token.js';
import { runAuthKeys } from './commands/auth-keys.js';
import { runAuthRules } from './commands/auth-rules.js';
import { runAgents, runProviders } from './commands/agents.js';
import { runMemories } from './commands/memories.js';
import { runAudit } from './commands/audit.js';
import { CliUsageError } from './cli-usage-error.js';

export const USAGE = `Usage: threadgate <command>

  serve                          start the server (PORT, HOST, DATABASE_URL, ...)
  migrate                        run database migrations and exit
  api-keys create --name <name> [--scopes threads:read,threads:write] [--agents all|id,id]
  api-keys list
  api-keys revoke <id>
  auth-keys create --name <name> [--agents all|id,id] [--user-fields JSON]
                                 create an HS256 authentication key (the secret is shown once)
  auth-keys list
  auth-keys update <id> [--name <name>] [--agents all|id,id] [--user-fields JSON | --clear-user-fields]
  auth-keys delete <id>          its user tokens are refused from now on
  auth-rules create --name <n> --issuer <iss> --audience <aud> [--provider clerk|auth0|supabase|firebase|keycloak|okta|entra-id|cognito]
                    [--jwks-uri <url> | --discovery-url <url>] [--algorithms RS256,ES256] [--token-type access|id|any]
                    [--user-id-claim sub] [--workspace-template '{org_id}_{sub}'] [--required-claims '{"k":"v"}']
                    [--scopes-claim scope] [--user-fields '{"name":"name"}'] [--disabled] [--service]
                                 accept an identity provider's tokens
  auth-rules list
  auth-rules update <id> [the create options] [--enable | --disable] [--reset field,field]
  auth-rules delete <id>         its tokens are refused from now on
  providers add <id> --base-url <url> --models m1,m2 [--api-key-env VAR] [--name <n>]
                                 add a model provider (any OpenAI-compatible endpoint); the key is
                                 read from the environment variable VAR and sealed at rest
  providers list | update <id> [the add options] [--no-api-key] | remove <id>
  agents create <id> --name <n> --provider <id> --model <m> [--description <d>]
                 [--instructions <text> | --instructions-file <path>] [--temperature 0.2]
                 [--max-output-tokens 1024] [--uses-memory] [--disabled] [--card '{"avatar":"..."}']
  agents list | update <id> [the create options] [--no-memory] | enable <id> | disable <id> | delete <id>
  agents runs [--agent <id>] [--user <id>] [--limit 20]
                                 the latest runs: who, model, tokens, latency, outcome
  keys rotate                    start signing workspace tokens with a new key
  users revoke <id>              refuse every session and token of a user issued before now
  memories count|erase <user id> count or erase a user's memories (every workspace; docs/memory.md)
  memories list <user id> [--limit n]
  memories reembed [--all]       after changing THREADGATE_EMBEDDINGS_MODEL: embed every memory again
  token inspect <token> [--user-id u --workspace-id w]
                                 explain why a token or API key is accepted or refused
  token sign --key <id> --sub <user> [--workspace <ws>] [--ttl 24h]
                                 sign a test user token (ttl in s, m, h or d) and print a curl line
  audit [--kind api_key.revoked] [--actor admin_key|cli|anonymous|system] [--object <id>]
        [--since <time>] [--until <time>] [--limit 100] [--cursor <next_cursor>]
                                 list the audit log, newest first (docs/audit.md)

Configuration comes from environment variables: see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'migrate':
      return runMigrate(rest);
    case 'api-keys':
      return runApiKeys(rest);
    case 'keys':
      return runKeys(rest);
    case 'auth-keys':
      return runAuthKeys(rest);
    case 'auth-rules':
      return runAuthRules(rest);
    case 'users':
      return runUsers(rest);
    case 'providers':
      return runProviders(rest);
    case 'agents':
      return runAgents(rest);
    case 'memories':
      return runMemories(rest);
    case 'token':
      return runToken(rest);
    case 'audit':
      return runAudit(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new CliUsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`threadgate: configuration error: ${error.message}`);
    } else if (error instanceof CliUsageError) {
      console.error(`threadgate: ${error.message}\n\n${USAGE}`);
    } else {
      console.error('threadgate:', error instanceof Error ? error.message : error);
    }
    process.exitCode = 1;
  },
);
