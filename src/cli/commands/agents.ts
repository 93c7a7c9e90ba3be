/**
 * `threadgate providers ...` and `threadgate agents ...`: model providers and agents, managed in the
 * database directly through the agents module's service (the same rules as the admin API). A
 * provider's API key is read from an environment variable you name (`--api-key-env`), never from
 * the command line, where it would stay in the shell's history and the process list.
 *
 * Every change is audited as the admin API's are (events model_provider.* and agent.*, never the
 * provider's key), with the actor `cli` and the operating-system user (cli/open-cli-store.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { z } from '@hono/zod-openapi';
import { resolveConfig } from '../../config.js';
import { createSecretBox } from '../../crypto/secret-box.js';
import { loadMasterKey } from '../../master-key.js';
import { createLogger } from '../../logger.js';
import { rateLimiterStore } from '../../http/middleware/rate-limit.js';
import { ThreadgateError } from '../../errors.js';
import { createAgentsModule } from '../../modules/agents/index.js';
import { createThreadsModule } from '../../modules/threads/index.js';
import type { AgentsService } from '../../modules/agents/agents-service.js';
import { BaseUrl, OperatorId, providerSummary, toWireAgent, toWireProvider, toWireRun } from '../../modules/agents/agents-wire.js';
import type { DomainEvents, EventType } from '../../platform/events/bus.js';
import { CliUsageError } from '../cli-usage-error.js';
import { openCliStore } from '../open-cli-store.js';

function check<T>(schema: z.ZodType<T>, value: unknown, option: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliUsageError(`${option}: ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}

const list = (value: string | undefined) => value?.split(',').map((item) => item.trim()).filter((item) => item !== '');

function number(value: string | undefined, option: string, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) throw new CliUsageError(`${option} must be a number from ${min} to ${max}`);
  return parsed;
}

function apiKeyFrom(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const key = process.env[variable];
  if (key === undefined || key === '') throw new CliUsageError(`--api-key-env ${variable}: that environment variable is not set`);
  return key;
}

/** Publishes what the command changed, as the CLI (the audit log hears it). */
type Audit = <K extends EventType>(type: K, payload: DomainEvents[K]) => void;

async function withService(run: (service: AgentsService, audit: Audit) => Promise<number>): Promise<number> {
  const config = resolveConfig(process.env);
  const { store, events, actor, close } = await openCliStore(config);
  try {
    const logger = createLogger(config.logLevel, process.stderr);
    const secretBox = createSecretBox(loadMasterKey(config).key);
    // Threads only for the service's type: no command here runs an agent, nor claims (no sessions).
    const threads = createThreadsModule({ store, clock: Date.now });
    const { service } = createAgentsModule({ store, threads: threads.service, secretBox, config, limiters: rateLimiterStore(config, null, logger), logger, clock: Date.now });
    return await run(service, (type, payload) => events.publish(type, payload, actor));
  } catch (error) {
    if (error instanceof ThreadgateError && error.status < 500) {
      console.error(`threadgate: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await close();
  }
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

export async function runProviders(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const options = { 'base-url': { type: 'string' }, models: { type: 'string' }, 'api-key-env': { type: 'string' }, 'no-api-key': { type: 'boolean' }, name: { type: 'string' } } as const;
  switch (action) {
    case 'add': {
      const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true });
      const [id] = positionals;
      if (id === undefined || positionals.length > 1) throw new CliUsageError('providers add takes one provider id');
      if (values['base-url'] === undefined || values.models === undefined) throw new CliUsageError('providers add needs --base-url and --models');
      const apiKey = apiKeyFrom(values['api-key-env']);
      return withService(async (service, audit) => {
        const provider = await service.createProvider({
          id: check(OperatorId, id, 'provider id'),
          baseUrl: check(BaseUrl, values['base-url'], '--base-url'),
          models: list(values.models)!,
          ...(apiKey !== undefined ? { apiKey } : {}),
          ...(values.name !== undefined ? { name: values.name } : {}),
        });
        audit('model_provider.created', { provider: providerSummary(provider) });
        print(toWireProvider(provider));
        return 0;
      });
    }
    case 'update': {
      const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true });
      const [id] = positionals;
      if (id === undefined || positionals.length > 1) throw new CliUsageError('providers update takes one provider id');
      const apiKey = values['no-api-key'] === true ? null : apiKeyFrom(values['api-key-env']);
      return withService(async (service, audit) => {
        const provider = await service.updateProvider(id, {
          ...(values['base-url'] !== undefined ? { baseUrl: check(BaseUrl, values['base-url'], '--base-url') } : {}),
          ...(values.models !== undefined ? { models: list(values.models)! } : {}),
          ...(apiKey !== undefined ? { apiKey } : {}),
          ...(values.name !== undefined ? { name: values.name } : {}),
        });
        audit('model_provider.updated', { id: provider.id, after: providerSummary(provider) });
        print(toWireProvider(provider));
        return 0;
      });
    }
    case 'list':
      if (rest.length > 0) throw new CliUsageError('providers list takes no arguments');
      return withService(async (service) => {
        print((await service.listProviders()).map(toWireProvider));
        return 0;
      });
    case 'remove': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw new CliUsageError('providers remove takes one provider id');
      return withService(async (service, audit) => {
        await service.deleteProvider(id);
        audit('model_provider.deleted', { id });
        console.log(`Removed ${id}.`);
        return 0;
      });
    }
    default:
      throw new CliUsageError(`providers ${action ?? ''}: expected add, list, update or remove`);
  }
}

export async function runAgents(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const options = {
    name: { type: 'string' }, description: { type: 'string' }, instructions: { type: 'string' }, 'instructions-file': { type: 'string' },
    provider: { type: 'string' }, model: { type: 'string' }, temperature: { type: 'string' }, 'max-output-tokens': { type: 'string' },
    'uses-memory': { type: 'boolean' }, 'no-memory': { type: 'boolean' }, disabled: { type: 'boolean' }, card: { type: 'string' },
  } as const;
  const fieldsOf = (values: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values']) => {
    const instructions = values['instructions-file'] !== undefined ? readFileSync(values['instructions-file'], 'utf8') : values.instructions;
    let card: Record<string, unknown> | undefined;
    if (values.card !== undefined) {
      try {
        card = JSON.parse(values.card) as Record<string, unknown>;
      } catch {
        throw new CliUsageError('--card must be a JSON object');
      }
      if (card === null || typeof card !== 'object' || Array.isArray(card)) throw new CliUsageError('--card must be a JSON object');
    }
    const temperature = number(values.temperature, '--temperature', 0, 2);
    const maxOutputTokens = number(values['max-output-tokens'], '--max-output-tokens', 1, 1_000_000, true);
    return {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...(instructions !== undefined ? { instructions } : {}),
      ...(values.provider !== undefined ? { providerId: values.provider } : {}),
      ...(values.model !== undefined ? { model: values.model } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
      ...(values['uses-memory'] === true ? { usesMemory: true } : values['no-memory'] === true ? { usesMemory: false } : {}),
      ...(values.disabled === true ? { enabled: false } : {}),
      ...(card !== undefined ? { card } : {}),
    };
  };
  switch (action) {
    case 'create': {
      const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true });
      const [id] = positionals;
      if (id === undefined || positionals.length > 1) throw new CliUsageError('agents create takes one agent id');
      const fields = fieldsOf(values);
      if (fields.name === undefined || fields.providerId === undefined || fields.model === undefined) throw new CliUsageError('agents create needs --name, --provider and --model');
      return withService(async (service, audit) => {
        const agent = await service.createAgent({ ...fields, id: check(OperatorId, id, 'agent id'), name: fields.name!, providerId: fields.providerId!, model: fields.model! });
        audit('agent.created', { agent: toWireAgent(agent) });
        print(toWireAgent(agent));
        return 0;
      });
    }
    case 'update': {
      const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true });
      const [id] = positionals;
      if (id === undefined || positionals.length > 1) throw new CliUsageError('agents update takes one agent id');
      const fields = fieldsOf(values);
      return withService(async (service, audit) => {
        const agent = await service.updateAgent(id, fields);
        audit('agent.updated', { id: agent.id, after: toWireAgent(agent) });
        print(toWireAgent(agent));
        return 0;
      });
    }
    case 'enable':
    case 'disable': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw new CliUsageError(`agents ${action} takes one agent id`);
      return withService(async (service, audit) => {
        const agent = await service.updateAgent(id, { enabled: action === 'enable' });
        audit('agent.updated', { id: agent.id, after: toWireAgent(agent) });
        console.log(`${action === 'enable' ? 'Enabled' : 'Disabled'} ${id}.`);
        return 0;
      });
    }
    case 'delete': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw new CliUsageError('agents delete takes one agent id');
      return withService(async (service, audit) => {
        await service.deleteAgent(id);
        audit('agent.deleted', { id });
        console.log(`Deleted ${id}.`);
        return 0;
      });
    }
    case 'list':
      if (rest.length > 0) throw new CliUsageError('agents list takes no arguments');
      return withService(async (service) => {
        print((await service.listAgents()).map(toWireAgent));
        return 0;
      });
    case 'runs': {
      const { values } = parseArgs({ args: rest, options: { agent: { type: 'string' }, user: { type: 'string' }, limit: { type: 'string' } } });
      const limit = number(values.limit, '--limit', 1, 1000, true) ?? 20;
      return withService(async (service) => {
        print((await service.listRuns({ limit, ...(values.agent !== undefined ? { agentId: values.agent } : {}), ...(values.user !== undefined ? { userId: values.user } : {}) })).map(toWireRun));
        return 0;
      });
    }
    default:
      throw new CliUsageError(`agents ${action ?? ''}: expected create, list, update, enable, disable, delete or runs`);
  }
}
