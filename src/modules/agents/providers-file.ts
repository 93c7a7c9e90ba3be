/**
 * The optional providers file (THREADGATE_PROVIDERS_FILE): model providers kept in a file beside
 * the rest of the deployment's configuration, applied at every start. Each entry is created when
 * missing and brought up to date when it differs; providers not in the file are left alone (the
 * admin API and the CLI manage those). A key is never in the file: `api_key_env` names the
 * environment variable that holds it.
 *
 * ```json
 * [{ "id": "openai", "base_url": "https://api.openai.com/v1", "models": ["gpt-4o-mini"], "api_key_env": "OPENAI_API_KEY" },
 *  { "id": "ollama", "base_url": "http://127.0.0.1:11434/v1", "models": ["llama3.2"] }]
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import { ConfigError } from '../../config.js';
import type { AgentsService } from './agents-service.js';
import { BaseUrl, OperatorId } from './agents-wire.js';
import { PROVIDER_KEY_PURPOSE } from './agents-catalog.js';
import type { SecretBox } from '../../crypto/secret-box.js';

const VARIABLE = 'THREADGATE_PROVIDERS_FILE';

const Entry = z.object({
  id: OperatorId,
  name: z.string().min(1).max(200).optional(),
  base_url: BaseUrl,
  models: z.array(z.string().min(1).max(256)).min(1).max(500),
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must name an environment variable').optional(),
}).strict();

/**
 * Reads and applies the file. A file that cannot be read, is not valid, or names an unset
 * variable stops the start with a ConfigError naming THREADGATE_PROVIDERS_FILE.
 *
 * @example
 * await applyProvidersFile(agents.service, secretBox, './providers.json', process.env, logger)
 */
export async function applyProvidersFile(service: AgentsService, secretBox: SecretBox, path: string, env: Readonly<Record<string, string | undefined>>, logger: Pick<Logger, 'info'>): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(VARIABLE, `cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  const parsed = z.array(Entry).max(100).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(VARIABLE, `${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'is invalid'}`);
  }
  const existing = new Map((await service.listProviders()).map((p) => [p.id, p]));
  for (const entry of parsed.data) {
    let apiKey: string | null = null;
    if (entry.api_key_env !== undefined) {
      apiKey = env[entry.api_key_env] ?? '';
      if (apiKey === '') throw new ConfigError(VARIABLE, `${path}: provider "${entry.id}" reads its key from ${entry.api_key_env}, which is not set`);
    }
    const current = existing.get(entry.id);
    const input = { name: entry.name ?? entry.id, baseUrl: entry.base_url, models: entry.models };
    if (current === undefined) {
      await service.createProvider({ id: entry.id, ...input, apiKey });
      logger.info({ provider: entry.id }, 'model provider created from THREADGATE_PROVIDERS_FILE');
      continue;
    }
    const currentKey = current.apiKeySealed === null ? null : secretBox.open(current.apiKeySealed, PROVIDER_KEY_PURPOSE);
    const same = current.name === input.name && current.baseUrl === input.baseUrl && JSON.stringify(current.models) === JSON.stringify([...new Set(input.models)]) && currentKey === apiKey;
    if (same) continue;
    await service.updateProvider(entry.id, { ...input, apiKey });
    logger.info({ provider: entry.id }, 'model provider updated from THREADGATE_PROVIDERS_FILE');
  }
}
