/**
 * Configuration: read once from the environment, validated, every default filled, then frozen
 * (better-auth and kysely resolve options the same way). A bad setting throws `ConfigError`
 * naming the variable, and the server stops with that message instead of starting half-configured.
 *
 * Every variable is documented in docs/configuration.md.
 */

import proxyAddr from '@fastify/proxy-addr';
import { compileRoutePattern } from './auth/route-pattern.js';

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/**
 * Which peers are trusted proxies (THREADGATE_TRUST_PROXY), as Express's `trust proxy` and
 * Fastify's `trustProxy`: the nearest `hops` peers (0: none, the TCP peer is the client), or the
 * peers whose address is in `addresses` (addresses, CIDR ranges, `loopback`, `linklocal`,
 * `uniquelocal`). The client is the right-most X-Forwarded-For address that is not a trusted proxy
 * (http/middleware/client-address.ts).
 */
export type TrustProxy = { readonly hops: number } | { readonly addresses: readonly string[] };

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres';
      url: string;
      /** THREADGATE_DATABASE_CONNECT_TIMEOUT_MS (store default when absent). */
      connectTimeoutMs?: number;
      /** THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS; 0: no limit (store default when absent). */
      statementTimeoutMs?: number;
    };

/** PostgreSQL timeouts when not configured (ms): THREADGATE_DATABASE_CONNECT_TIMEOUT_MS, THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS. */
export const DATABASE_TIMEOUT_DEFAULTS = Object.freeze({ connectTimeoutMs: 5000, statementTimeoutMs: 10_000 });

/** An OpenAI-compatible embeddings endpoint for semantic memory search (docs/memory.md). */
export interface EmbeddingsConfig {
  /** Base URL, before `/embeddings` (e.g. `http://127.0.0.1:11434/v1`, `https://api.openai.com/v1`). */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer`; null for a local server that takes none. */
  apiKey: string | null;
  /** Timeout of one call, ms. */
  timeoutMs: number;
}
/** Where attachments are kept (docs/files.md). */
export type FilesConfig =
  | { store: 'local'; dir: string }
  | {
      store: 's3';
      bucket: string;
      region: string;
      /** null: AWS's own endpoint for the region. */
      endpoint: string | null;
      /** null (both): the AWS SDK's default credential chain (AWS_* variables, instance role...). */
      accessKeyId: string | null;
      secretAccessKey: string | null;
      /** `http://host/bucket/key` rather than `http://bucket.host/key` (MinIO and most self-hosted stores). */
      forcePathStyle: boolean;
    }
  | { store: 'off' };

export interface ResolvedConfig {
  /** `development` unless NODE_ENV=production. Development turns on conveniences and says so. */
  mode: 'development' | 'production';
  port: number;
  host: string;
  database: DatabaseConfig;
  /** Redis for shared rate limits and revocation across processes; null for one process. */
  redisUrl: string | null;
  /** Prefix of every Redis key, so deployments can share one Redis. */
  redisKeyPrefix: string;
  /** THREADGATE_ADMIN_KEY, or null to use (or generate on first start) the stored one. */
  adminKey: string | null;
  /** 32 bytes that encrypt secrets at rest, or null to use the development key file. */
  masterKey: Buffer | null;
  /** The project served by default. */
  projectId: string;
  /** `iss` of workspace tokens. */
  issuer: string;
  /** `aud` of workspace tokens. */
  audience: string;
  anonymousEnabled: boolean;
  workspaceTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Auth0's refresh token reuse interval: a consumed refresh token replayed within it is not a breach. */
  refreshReuseIntervalSeconds: number;
  clockToleranceSeconds: number;
  bodyLimitBytes: number;
  corsOrigins: readonly string[];
  /** Anonymous token mints allowed per address per minute. */
  anonymousMintsPerMinute: number;
  /** Refreshes allowed per address per minute. */
  refreshesPerMinute: number;
  /** Failed authentications (guesses) allowed per address per minute before it is refused (429). */
  authFailuresPerMinute: number;
  /** Bits of an IPv6 client address the per-address limits count it by (its network; 128: the address itself). */
  rateLimitIpv6Prefix: number;
  /** Which peers are trusted proxies, whose X-Forwarded-For entries are believed. */
  trustProxy: TrustProxy;
  /** VoltAgent's defaultPrivate: management and documentation routes need a user credential too. */
  defaultPrivate: boolean;
  /** Route patterns that stay public under defaultPrivate (`GET /doc`, `/public/**`). */
  publicRoutes: readonly string[];
  /** A second header that carries an HS256 user token (e.g. X-Algolia-Secure-User-Token), or null. */
  userTokenHeader: string | null;
  /** The user-token claim that names the workspace; a token without it gets the workspace `sub`. */
  userTokenWorkspaceClaim: string;
  /** Verified credentials kept in memory (0: no cache). See auth/verified-credential-cache.ts. */
  tokenCacheSize: number;
  /** How often every process reads the stored revocation epoch, with or without Redis (ms; 0: never). */
  revocationPollMs: number;
  /** No cached credential decision rests on a database read older than this (ms). See auth/cached-lookups.ts. */
  cacheMaxAgeMs: number;
  /** Least time between two fetches of one identity provider's JWKS (ms): bounds what unknown kids cost it. */
  jwksCooldownMs: number;
  /** Timeout of each fetch from an identity provider (JWKS, discovery), ms. */
  idpTimeoutMs: number;
  /** Plain-http JWKS and discovery URLs in production (loopback hosts are always allowed; development allows all). */
  allowHttpIdp: boolean;
  /** On SIGTERM/SIGINT, how long requests in flight may take before their connections are closed (ms). */
  shutdownTimeoutMs: number;
  logLevel: string;
  /** Semantic memory search: the embeddings endpoint, or null for keyword search only. */
  embeddings: EmbeddingsConfig | null;
  /** PostgreSQL text-search configuration of memory keyword search (`english`, `simple`, ...). */
  memoryLanguage: string;
  /** Time between background runs of the memory backfill and expiry purge, ms; 0: none in this process. */
  memoryBackfillMs: number;
  /** Semantic memory search compares the newest this many of the caller's vectors (older ones are found by keyword only). */
  memorySemanticMaxCandidates: number;
  /** The URL clients reach this server at, for the links it hands out (file URLs); null: the request's own. */
  publicUrl: string | null;
  files: FilesConfig;
  /** The largest attachment accepted, bytes. */
  filesMaxBytes: number;
  /** How long a signed upload or download URL stays valid, seconds. */
  filesUrlTtlSeconds: number;
  /** Audit events older than this many days are purged (0: kept forever). See modules/audit/. */
  auditRetentionDays: number;
  /** Audit events waiting to be written; past it new ones are dropped (counted and logged), never waited for. */
  auditQueueSize: number;
  /** `GET /metrics` without the admin key (for a scraper inside a private network). */
  metricsPublic: boolean;
  /** Agents (src/modules/agents): run bounds and cost limits. */
  agents: AgentsConfig;
}

/** What bounds an agent run and what a user or an agent may spend (docs/agents.md#cost-limits). */
export interface AgentsConfig {
  /** Every run ends by then, ms (the model call is aborted: `model_timeout`). */
  runTimeoutMs: number;
  /** Runs one user may start per minute (every execution route counts). */
  userRunsPerMinute: number;
  /** Runs one agent may serve per minute, all users together. */
  agentRunsPerMinute: number;
  /** Model tokens (in + out) one user may spend per day. */
  userTokensPerDay: number;
  /** Model tokens one agent may spend per day, all users together. */
  agentTokensPerDay: number;
  /** The output bound of an agent without its own max_output_tokens (every call is bounded: the quotas reserve it). */
  maxOutputTokens: number;
  /** `<provider id>/<model>` that writes thread titles, or null: titles from the first message. */
  titleModel: { providerId: string; model: string } | null;
  /** A JSON file of model providers applied at start (modules/agents/providers-file.ts), or null. */
  providersFile: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** THREADGATE_TITLE_MODEL: `<provider id>/<model>` (the model may hold slashes: `openrouter/meta-llama/llama-3.1-8b`). */
function readTitleModel(env: Env): AgentsConfig['titleModel'] {
  const raw = env.THREADGATE_TITLE_MODEL;
  if (raw === undefined || raw === '') return null;
  const slash = raw.indexOf('/');
  if (slash <= 0 || slash === raw.length - 1 || !/^[\x21-\x7e]{3,384}$/.test(raw)) {
    throw new ConfigError('THREADGATE_TITLE_MODEL', `must be <provider id>/<model>, e.g. ollama/llama3.2, got "${raw}"`);
  }
  return Object.freeze({ providerId: raw.slice(0, slash), model: raw.slice(slash + 1) });
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be "true" or "false", got "${raw}"`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function readLogLevel(env: Env): string {
  const level = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(level)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return level;
}

/** THREADGATE_EMBEDDINGS_URL, _MODEL, _KEY, _TIMEOUT_MS: all or nothing of URL and model. */
function readEmbeddings(env: Env): EmbeddingsConfig | null {
  const url = env.THREADGATE_EMBEDDINGS_URL || null;
  const model = env.THREADGATE_EMBEDDINGS_MODEL || null;
  if (url === null && model === null) return null;
  if (url === null) throw new ConfigError('THREADGATE_EMBEDDINGS_URL', 'is required when THREADGATE_EMBEDDINGS_MODEL is set');
  if (model === null) throw new ConfigError('THREADGATE_EMBEDDINGS_MODEL', 'is required when THREADGATE_EMBEDDINGS_URL is set');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('THREADGATE_EMBEDDINGS_URL', 'is not a URL (e.g. http://127.0.0.1:11434/v1)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('THREADGATE_EMBEDDINGS_URL', 'must be an http:// or https:// URL');
  if (model.length > 200 || /[\u0000-\u001f]/.test(model)) throw new ConfigError('THREADGATE_EMBEDDINGS_MODEL', 'must be a model name of at most 200 printable characters');
  return Object.freeze({
    url: url.replace(/\/+$/, ''),
    model,
    apiKey: env.THREADGATE_EMBEDDINGS_KEY || null,
    timeoutMs: readInteger(env, 'THREADGATE_EMBEDDINGS_TIMEOUT_MS', 10_000, 100, 120_000),
  });
}

function readMemoryLanguage(env: Env): string {
  const language = env.THREADGATE_MEMORY_LANGUAGE || 'english';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(language)) {
    throw new ConfigError('THREADGATE_MEMORY_LANGUAGE', 'must be a PostgreSQL text search configuration name such as english, simple or german');
  }
  return language;
}

/**
 * Reads THREADGATE_TRUST_PROXY: `false`/`0` (none), `true` (one hop: the TCP peer is your proxy),
 * a hop count, or a comma-separated list of proxy addresses and CIDR ranges.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const name = 'THREADGATE_TRUST_PROXY';
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return Object.freeze({ hops: 0 });
  if (value === 'true') return Object.freeze({ hops: 1 });
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 100) throw new ConfigError(name, `a hop count must be between 0 and 100, got ${hops}`);
    return Object.freeze({ hops });
  }
  const addresses = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  try {
    proxyAddr.compile(addresses);
  } catch (error) {
    throw new ConfigError(
      name,
      `must be true, false, a hop count, or a comma-separated list of proxy addresses and CIDR ranges (e.g. 10.0.0.0/8,fd00::/8,loopback): ${(error as Error).message}`,
    );
  }
  return Object.freeze({ addresses: Object.freeze(addresses) });
}

/** Parses DATABASE_URL: a postgres URL, a `sqlite:` URL, or a file path. */
export function parseDatabaseUrl(raw: string | undefined): DatabaseConfig {
  const value = raw === undefined || raw === '' ? './threadgate.db' : raw;
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid PostgreSQL URL');
    }
    return { kind: 'postgres', url: value };
  }
  if (value.startsWith('sqlite:')) {
    const path = value.replace(/^sqlite:(\/\/)?/, '');
    if (path === '') throw new ConfigError('DATABASE_URL', 'the sqlite: URL names no file');
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL, a sqlite: URL or a file path');
  }
  return { kind: 'sqlite', path: value };
}

/** The default attachment folder: beside a SQLite file (`threadgate.db-files`), else `./threadgate-files`. */
function defaultFilesDir(database: DatabaseConfig): string {
  if (database.kind === 'sqlite' && database.path !== ':memory:') return `${database.path}-files`;
  return './threadgate-files';
}

function readFiles(env: Env, database: DatabaseConfig): FilesConfig {
  const store = env.THREADGATE_FILES_STORE || 'local';
  if (store === 'off') return Object.freeze({ store });
  if (store === 'local') return Object.freeze({ store, dir: env.THREADGATE_FILES_DIR || defaultFilesDir(database) });
  if (store !== 's3') throw new ConfigError('THREADGATE_FILES_STORE', `must be "local", "s3" or "off", got "${store}"`);
  const bucket = env.THREADGATE_S3_BUCKET || '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError('THREADGATE_S3_BUCKET', bucket === '' ? 'required when THREADGATE_FILES_STORE=s3' : 'is not a bucket name (3 to 63 lowercase letters, digits, "." or "-")');
  }
  const endpoint = env.THREADGATE_S3_ENDPOINT || null;
  if (endpoint !== null && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint)) {
    throw new ConfigError('THREADGATE_S3_ENDPOINT', 'must be an http(s) URL such as http://127.0.0.1:9000');
  }
  const accessKeyId = env.THREADGATE_S3_ACCESS_KEY_ID || null;
  const secretAccessKey = env.THREADGATE_S3_SECRET_ACCESS_KEY || null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError(accessKeyId === null ? 'THREADGATE_S3_ACCESS_KEY_ID' : 'THREADGATE_S3_SECRET_ACCESS_KEY', 'set both THREADGATE_S3_ACCESS_KEY_ID and THREADGATE_S3_SECRET_ACCESS_KEY, or neither');
  }
  const region = env.THREADGATE_S3_REGION || 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw new ConfigError('THREADGATE_S3_REGION', `is not a region name, got "${region}"`);
  return Object.freeze({
    store,
    bucket,
    region,
    endpoint,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: readBoolean(env, 'THREADGATE_S3_FORCE_PATH_STYLE', false),
  });
}

function readPublicUrl(env: Env): string | null {
  const raw = env.THREADGATE_PUBLIC_URL || null;
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('THREADGATE_PUBLIC_URL', 'is not a URL such as https://threadgate.example.com');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('THREADGATE_PUBLIC_URL', 'must be an http(s) URL without query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

/** Decodes THREADGATE_MASTER_KEY: 64 hex characters or base64/base64url of 32 bytes. */
export function parseMasterKey(raw: string): Buffer {
  const name = 'THREADGATE_MASTER_KEY';
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64url');
  if (key.length !== 32) {
    throw new ConfigError(name, 'must be 32 bytes, as 64 hex characters or base64 (try: openssl rand -hex 32)');
  }
  return key;
}

/**
 * Reads the environment into a complete, frozen configuration.
 *
 * @example
 * const config = resolveConfig(process.env)
 */
export function resolveConfig(env: Env = process.env): ResolvedConfig {
  const mode = env.NODE_ENV === 'production' ? 'production' : 'development';
  const adminKey = env.THREADGATE_ADMIN_KEY || null;
  if (adminKey !== null && adminKey.length < 24) {
    throw new ConfigError('THREADGATE_ADMIN_KEY', 'must be at least 24 characters');
  }
  const masterKey = env.THREADGATE_MASTER_KEY ? parseMasterKey(env.THREADGATE_MASTER_KEY) : null;
  if (mode === 'production') {
    const missing = [
      masterKey === null ? 'THREADGATE_MASTER_KEY' : null,
      adminKey === null ? 'THREADGATE_ADMIN_KEY' : null,
    ].filter((name): name is string => name !== null);
    if (missing.length > 0) {
      throw new ConfigError(missing[0]!, `required when NODE_ENV=production (missing: ${missing.join(', ')})`);
    }
  }
  const projectId = env.THREADGATE_PROJECT_ID || 'default';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(projectId)) {
    throw new ConfigError('THREADGATE_PROJECT_ID', 'must be 1 to 64 letters, digits, "_" or "-"');
  }
  const corsOrigins = (env.THREADGATE_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError('THREADGATE_CORS_ORIGINS', `"${origin}" is not an origin like https://app.example.com`);
    }
  }
  if (mode === 'production' && corsOrigins.includes('*')) {
    throw new ConfigError('THREADGATE_CORS_ORIGINS', '"*" is not allowed when NODE_ENV=production; list the origins');
  }
  const publicRoutes = (env.THREADGATE_PUBLIC_ROUTES ?? '')
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
  for (const pattern of publicRoutes) {
    try {
      compileRoutePattern(pattern);
    } catch (error) {
      throw new ConfigError('THREADGATE_PUBLIC_ROUTES', (error as Error).message);
    }
  }
  const userTokenHeader = env.THREADGATE_USER_TOKEN_HEADER || null;
  if (userTokenHeader !== null && (!/^[A-Za-z0-9-]{1,64}$/.test(userTokenHeader) || /^authorization$/i.test(userTokenHeader))) {
    throw new ConfigError('THREADGATE_USER_TOKEN_HEADER', 'must be an HTTP header name other than Authorization, e.g. X-Algolia-Secure-User-Token');
  }
  const userTokenWorkspaceClaim = env.THREADGATE_USER_TOKEN_WORKSPACE_CLAIM || 'workspace_id';
  // A claim name is any JSON member name, URIs included (RFC 7519 §4.3); printable ASCII keeps it
  // readable in logs. The time claims are numbers, so naming one would refuse every token.
  if (!/^[\x21-\x7e]{1,256}$/.test(userTokenWorkspaceClaim) || ['exp', 'nbf', 'iat'].includes(userTokenWorkspaceClaim)) {
    throw new ConfigError('THREADGATE_USER_TOKEN_WORKSPACE_CLAIM', 'must be a claim name such as workspace_id or org_id (printable ASCII, no spaces; not exp, nbf or iat)');
  }
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  // Read (and so checked) whichever database is configured; only PostgreSQL uses them.
  const connectTimeoutMs = readInteger(env, 'THREADGATE_DATABASE_CONNECT_TIMEOUT_MS', DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs, 100, 600_000);
  const statementTimeoutMs = readInteger(env, 'THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS', DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs, 0, 3_600_000);
  const database = parseDatabaseUrl(env.DATABASE_URL);
  return Object.freeze({
    mode,
    port: readInteger(env, 'PORT', 8787, 0, 65535),
    host: env.HOST || (mode === 'production' ? '0.0.0.0' : '127.0.0.1'),
    database: Object.freeze(database.kind === 'postgres' ? { ...database, connectTimeoutMs, statementTimeoutMs } : database),
    redisUrl,
    redisKeyPrefix: env.THREADGATE_REDIS_PREFIX || 'threadgate:',
    adminKey,
    masterKey,
    projectId,
    issuer: env.THREADGATE_ISSUER || 'threadgate',
    audience: env.THREADGATE_AUDIENCE || 'threadgate',
    anonymousEnabled: readBoolean(env, 'THREADGATE_ANONYMOUS', mode === 'development'),
    workspaceTokenTtlSeconds: readInteger(env, 'THREADGATE_WORKSPACE_TOKEN_TTL_SECONDS', 300, 30, 86_400),
    refreshTokenTtlSeconds: readInteger(env, 'THREADGATE_REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
    refreshReuseIntervalSeconds: readInteger(env, 'THREADGATE_REFRESH_REUSE_INTERVAL_SECONDS', 0, 0, 300),
    clockToleranceSeconds: readInteger(env, 'THREADGATE_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    bodyLimitBytes: readInteger(env, 'THREADGATE_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    corsOrigins: Object.freeze(corsOrigins),
    anonymousMintsPerMinute: readInteger(env, 'THREADGATE_ANONYMOUS_MINTS_PER_MINUTE', 20, 1, 1_000_000),
    refreshesPerMinute: readInteger(env, 'THREADGATE_REFRESHES_PER_MINUTE', 60, 1, 1_000_000),
    rateLimitIpv6Prefix: readInteger(env, 'THREADGATE_RATE_LIMIT_IPV6_PREFIX', 56, 32, 128),
    authFailuresPerMinute: readInteger(env, 'THREADGATE_AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
    trustProxy: parseTrustProxy(env.THREADGATE_TRUST_PROXY),
    defaultPrivate: readBoolean(env, 'THREADGATE_DEFAULT_PRIVATE', false),
    publicRoutes: Object.freeze(publicRoutes),
    userTokenHeader: userTokenHeader === null ? null : userTokenHeader.toLowerCase(),
    userTokenWorkspaceClaim,
    tokenCacheSize: readInteger(env, 'THREADGATE_TOKEN_CACHE_SIZE', 10_000, 0, 1_000_000),
    revocationPollMs: readInteger(env, 'THREADGATE_REVOCATION_POLL_MS', 1000, 0, 60_000),
    cacheMaxAgeMs: readInteger(env, 'THREADGATE_CACHE_MAX_AGE_MS', 30_000, 100, 3_600_000),
    jwksCooldownMs: readInteger(env, 'THREADGATE_JWKS_COOLDOWN_MS', 30_000, 100, 3_600_000),
    idpTimeoutMs: readInteger(env, 'THREADGATE_IDP_TIMEOUT_MS', 5000, 100, 60_000),
    allowHttpIdp: readBoolean(env, 'THREADGATE_ALLOW_HTTP_IDP', false),
    shutdownTimeoutMs: readInteger(env, 'THREADGATE_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    logLevel: readLogLevel(env),
    embeddings: readEmbeddings(env),
    memoryLanguage: readMemoryLanguage(env),
    memoryBackfillMs: readInteger(env, 'THREADGATE_MEMORY_BACKFILL_MS', 30_000, 0, 86_400_000),
    memorySemanticMaxCandidates: readInteger(env, 'THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES', 10_000, 1, 1_000_000),
    publicUrl: readPublicUrl(env),
    files: readFiles(env, database),
    filesMaxBytes: readInteger(env, 'THREADGATE_FILES_MAX_BYTES', 10 * 1024 * 1024, 1, 5 * 1024 * 1024 * 1024),
    // S3 refuses presigned URLs valid longer than 7 days (SigV4 query auth).
    filesUrlTtlSeconds: readInteger(env, 'THREADGATE_FILES_URL_TTL_SECONDS', 300, 10, 7 * 86_400),
    auditRetentionDays: readInteger(env, 'THREADGATE_AUDIT_RETENTION_DAYS', 90, 0, 36_500),
    auditQueueSize: readInteger(env, 'THREADGATE_AUDIT_QUEUE_SIZE', 10_000, 1, 1_000_000),
    metricsPublic: readBoolean(env, 'THREADGATE_METRICS_PUBLIC', false),
    agents: Object.freeze({
      runTimeoutMs: readInteger(env, 'THREADGATE_AGENT_RUN_TIMEOUT_MS', 120_000, 100, 3_600_000),
      userRunsPerMinute: readInteger(env, 'THREADGATE_AGENT_USER_RUNS_PER_MINUTE', 20, 1, 1_000_000),
      agentRunsPerMinute: readInteger(env, 'THREADGATE_AGENT_RUNS_PER_MINUTE', 600, 1, 10_000_000),
      userTokensPerDay: readInteger(env, 'THREADGATE_AGENT_USER_TOKENS_PER_DAY', 200_000, 1, 1_000_000_000_000),
      agentTokensPerDay: readInteger(env, 'THREADGATE_AGENT_TOKENS_PER_DAY', 10_000_000, 1, 1_000_000_000_000),
      maxOutputTokens: readInteger(env, 'THREADGATE_AGENT_MAX_OUTPUT_TOKENS', 4096, 1, 1_000_000),
      titleModel: readTitleModel(env),
      providersFile: env.THREADGATE_PROVIDERS_FILE || null,
    }),
  });
}
