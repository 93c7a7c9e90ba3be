import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseDatabaseUrl, resolveConfig } from '../src/config.js';

const MASTER = 'aa'.repeat(32);
const ADMIN = 'tg_admin_abcdefghijklmnopqrstuvwxyz';

function configError(env: Record<string, string>): ConfigError {
  try {
    resolveConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('fills every default with no environment at all (development)', () => {
    const config = resolveConfig({});
    assert.equal(config.mode, 'development');
    assert.equal(config.port, 8787);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.database, { kind: 'sqlite', path: './threadgate.db' });
    assert.equal(config.workspaceTokenTtlSeconds, 300);
    assert.equal(config.refreshReuseIntervalSeconds, 0);
    assert.equal(config.anonymousEnabled, true);
    assert.equal(config.adminKey, null);
    assert.equal(config.authFailuresPerMinute, 30);
    assert.deepEqual(config.trustProxy, { hops: 0 });
    assert.ok(Object.isFrozen(config));
  });

  it('refuses to start in production without the keys it needs, naming them', () => {
    const error = configError({ NODE_ENV: 'production' });
    assert.equal(error.variable, 'THREADGATE_MASTER_KEY');
    assert.match(error.message, /THREADGATE_ADMIN_KEY/);
    assert.equal(configError({ NODE_ENV: 'production', THREADGATE_MASTER_KEY: MASTER }).variable, 'THREADGATE_ADMIN_KEY');
    const prod = resolveConfig({ NODE_ENV: 'production', THREADGATE_MASTER_KEY: MASTER, THREADGATE_ADMIN_KEY: ADMIN });
    assert.equal(prod.anonymousEnabled, false, 'anonymous sessions are a setting in production, off by default');
    assert.equal(prod.host, '0.0.0.0');
  });

  it('names the variable of every bad setting', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ THREADGATE_ANONYMOUS: 'yes' }, 'THREADGATE_ANONYMOUS'],
      [{ THREADGATE_MASTER_KEY: 'short' }, 'THREADGATE_MASTER_KEY'],
      [{ THREADGATE_ADMIN_KEY: 'short' }, 'THREADGATE_ADMIN_KEY'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
      [{ THREADGATE_CORS_ORIGINS: 'not an origin' }, 'THREADGATE_CORS_ORIGINS'],
      [{ THREADGATE_WORKSPACE_TOKEN_TTL_SECONDS: '5' }, 'THREADGATE_WORKSPACE_TOKEN_TTL_SECONDS'],
      [{ THREADGATE_PROJECT_ID: 'a b' }, 'THREADGATE_PROJECT_ID'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ THREADGATE_AUTH_FAILURES_PER_MINUTE: '0' }, 'THREADGATE_AUTH_FAILURES_PER_MINUTE'],
      [{ THREADGATE_TRUST_PROXY: 'yes' }, 'THREADGATE_TRUST_PROXY'],
      [{ THREADGATE_TITLE_MODEL: 'no-slash' }, 'THREADGATE_TITLE_MODEL'],
      [{ THREADGATE_TITLE_MODEL: 'ollama/' }, 'THREADGATE_TITLE_MODEL'],
      [{ THREADGATE_AGENT_RUN_TIMEOUT_MS: '5' }, 'THREADGATE_AGENT_RUN_TIMEOUT_MS'],
      [{ THREADGATE_AGENT_USER_RUNS_PER_MINUTE: '0' }, 'THREADGATE_AGENT_USER_RUNS_PER_MINUTE'],
      [{ THREADGATE_AGENT_USER_TOKENS_PER_DAY: 'lots' }, 'THREADGATE_AGENT_USER_TOKENS_PER_DAY'],
      [{ NODE_ENV: 'production', THREADGATE_MASTER_KEY: MASTER, THREADGATE_ADMIN_KEY: ADMIN, THREADGATE_CORS_ORIGINS: '*' }, 'THREADGATE_CORS_ORIGINS'],
    ];
    for (const [env, variable] of cases) assert.equal(configError(env).variable, variable, JSON.stringify(env));
  });

  it('reads the agent limits and the title model, with their defaults', () => {
    assert.deepEqual(resolveConfig({}).agents, { runTimeoutMs: 120_000, userRunsPerMinute: 20, agentRunsPerMinute: 600, userTokensPerDay: 200_000, agentTokensPerDay: 10_000_000, maxOutputTokens: 4096, titleModel: null, providersFile: null });
    assert.deepEqual(resolveConfig({ THREADGATE_TITLE_MODEL: 'openrouter/meta-llama/llama-3.1-8b' }).agents.titleModel, { providerId: 'openrouter', model: 'meta-llama/llama-3.1-8b' });
    assert.equal(resolveConfig({ THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '512' }).agents.maxOutputTokens, 512);
    assert.throws(() => resolveConfig({ THREADGATE_AGENT_MAX_OUTPUT_TOKENS: '0' }), /THREADGATE_AGENT_MAX_OUTPUT_TOKENS/);
  });

  it('reads DATABASE_URL as a file path, a sqlite: URL or a PostgreSQL URL', () => {
    assert.deepEqual(parseDatabaseUrl('/tmp/x.db'), { kind: 'sqlite', path: '/tmp/x.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:./data/t.db'), { kind: 'sqlite', path: './data/t.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/t.db'), { kind: 'sqlite', path: '/var/t.db' });
    assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/d'), { kind: 'postgres', url: 'postgres://u@h:5432/d' });
    assert.deepEqual(parseDatabaseUrl('postgresql://u@h/d'), { kind: 'postgres', url: 'postgresql://u@h/d' });
  });

  it('reads the PostgreSQL timeouts and the shutdown deadline, with their defaults', () => {
    const defaults = resolveConfig({ DATABASE_URL: 'postgres://u@h/d' });
    assert.deepEqual(defaults.database, { kind: 'postgres', url: 'postgres://u@h/d', connectTimeoutMs: 5000, statementTimeoutMs: 10_000 });
    assert.equal(defaults.shutdownTimeoutMs, 10_000);
    const set = resolveConfig({
      DATABASE_URL: 'postgres://u@h/d',
      THREADGATE_DATABASE_CONNECT_TIMEOUT_MS: '250',
      THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS: '0',
      THREADGATE_SHUTDOWN_TIMEOUT_MS: '25000',
    });
    assert.deepEqual(set.database, { kind: 'postgres', url: 'postgres://u@h/d', connectTimeoutMs: 250, statementTimeoutMs: 0 });
    assert.equal(set.shutdownTimeoutMs, 25_000);
    // Checked with SQLite too, so a typo does not wait for the move to PostgreSQL.
    assert.equal(configError({ THREADGATE_DATABASE_CONNECT_TIMEOUT_MS: '0' }).variable, 'THREADGATE_DATABASE_CONNECT_TIMEOUT_MS');
    assert.equal(configError({ THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS: '10s' }).variable, 'THREADGATE_DATABASE_STATEMENT_TIMEOUT_MS');
    assert.equal(configError({ THREADGATE_SHUTDOWN_TIMEOUT_MS: '-1' }).variable, 'THREADGATE_SHUTDOWN_TIMEOUT_MS');
  });

  it('accepts the master key as hex or base64url of 32 bytes', () => {
    assert.equal(resolveConfig({ THREADGATE_MASTER_KEY: MASTER }).masterKey!.length, 32);
    assert.equal(resolveConfig({ THREADGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64url') }).masterKey!.length, 32);
  });

  it('reads the user-token header and workspace claim, refusing names that cannot work', () => {
    assert.equal(resolveConfig({}).userTokenHeader, null);
    assert.equal(resolveConfig({ THREADGATE_USER_TOKEN_HEADER: 'X-Algolia-Secure-User-Token' }).userTokenHeader, 'x-algolia-secure-user-token');
    assert.equal(resolveConfig({}).userTokenWorkspaceClaim, 'workspace_id');
    assert.equal(resolveConfig({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: 'org_id' }).userTokenWorkspaceClaim, 'org_id');
    assert.equal(resolveConfig({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: 'https://example.com/ws' }).userTokenWorkspaceClaim, 'https://example.com/ws');
    for (const header of ['Authorization', 'authorization', 'X Header', 'X-Ü', 'x'.repeat(65)]) {
      assert.equal(configError({ THREADGATE_USER_TOKEN_HEADER: header }).variable, 'THREADGATE_USER_TOKEN_HEADER', header);
    }
    for (const claim of ['exp', 'nbf', 'iat', 'org id', 'ü', 'x'.repeat(257), 'tab\t']) {
      assert.equal(configError({ THREADGATE_USER_TOKEN_WORKSPACE_CLAIM: claim }).variable, 'THREADGATE_USER_TOKEN_WORKSPACE_CLAIM', claim);
    }
  });
  it('reads the memory settings: embeddings all or nothing, a language name, the backfill interval, the semantic candidates', () => {
    const none = resolveConfig({});
    assert.equal(none.embeddings, null);
    assert.equal(none.memoryLanguage, 'english');
    assert.equal(none.memoryBackfillMs, 30_000);
    assert.equal(none.memorySemanticMaxCandidates, 10_000);
    assert.equal(resolveConfig({ THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES: '500' }).memorySemanticMaxCandidates, 500);
    const set = resolveConfig({ THREADGATE_EMBEDDINGS_URL: 'http://127.0.0.1:11434/v1/', THREADGATE_EMBEDDINGS_MODEL: 'all-minilm', THREADGATE_MEMORY_LANGUAGE: 'simple' });
    assert.deepEqual(set.embeddings, { url: 'http://127.0.0.1:11434/v1', model: 'all-minilm', apiKey: null, timeoutMs: 10_000 });
    assert.equal(set.memoryLanguage, 'simple');
    const cases: Array<[Record<string, string>, string]> = [
      [{ THREADGATE_EMBEDDINGS_URL: 'http://x/v1' }, 'THREADGATE_EMBEDDINGS_MODEL'],
      [{ THREADGATE_EMBEDDINGS_MODEL: 'm' }, 'THREADGATE_EMBEDDINGS_URL'],
      [{ THREADGATE_EMBEDDINGS_URL: 'ftp://x', THREADGATE_EMBEDDINGS_MODEL: 'm' }, 'THREADGATE_EMBEDDINGS_URL'],
      [{ THREADGATE_EMBEDDINGS_URL: 'not a url', THREADGATE_EMBEDDINGS_MODEL: 'm' }, 'THREADGATE_EMBEDDINGS_URL'],
      [{ THREADGATE_EMBEDDINGS_URL: 'http://x/v1', THREADGATE_EMBEDDINGS_MODEL: 'm', THREADGATE_EMBEDDINGS_TIMEOUT_MS: '5' }, 'THREADGATE_EMBEDDINGS_TIMEOUT_MS'],
      [{ THREADGATE_MEMORY_LANGUAGE: "english'; drop" }, 'THREADGATE_MEMORY_LANGUAGE'],
      [{ THREADGATE_MEMORY_BACKFILL_MS: '-1' }, 'THREADGATE_MEMORY_BACKFILL_MS'],
      [{ THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES: '0' }, 'THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES'],
      [{ THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES: '1000001' }, 'THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES'],
      [{ THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES: 'all' }, 'THREADGATE_MEMORY_SEMANTIC_MAX_CANDIDATES'],
    ];
    for (const [env, variable] of cases) assert.equal(configError(env).variable, variable, JSON.stringify(env));
  });
});

describe('config: files', () => {
  it('keeps attachments in a folder beside the database by default', () => {
    const config = resolveConfig({ DATABASE_URL: '/var/lib/tg/main.db' });
    assert.deepEqual(config.files, { store: 'local', dir: '/var/lib/tg/main.db-files' });
    assert.equal(config.filesMaxBytes, 10 * 1024 * 1024);
    assert.equal(config.filesUrlTtlSeconds, 300);
    assert.equal(config.publicUrl, null);
    assert.deepEqual(resolveConfig({ DATABASE_URL: 'postgres://u@h/d' }).files, { store: 'local', dir: './threadgate-files' });
    assert.deepEqual(resolveConfig({ THREADGATE_FILES_DIR: '/data/files' }).files, { store: 'local', dir: '/data/files' });
    assert.deepEqual(resolveConfig({ THREADGATE_FILES_STORE: 'off' }).files, { store: 'off' });
    assert.ok(Object.isFrozen(config.files));
  });

  it('reads the S3 store, with the SDK\'s credential chain when no keys are given', () => {
    const config = resolveConfig({ THREADGATE_FILES_STORE: 's3', THREADGATE_S3_BUCKET: 'my-bucket', THREADGATE_S3_ENDPOINT: 'http://127.0.0.1:9000', THREADGATE_S3_FORCE_PATH_STYLE: 'true' });
    assert.deepEqual(config.files, { store: 's3', bucket: 'my-bucket', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', accessKeyId: null, secretAccessKey: null, forcePathStyle: true });
  });

  it('refuses bad file settings, naming the variable', () => {
    const s3 = { THREADGATE_FILES_STORE: 's3', THREADGATE_S3_BUCKET: 'b-1' };
    const cases: [Record<string, string>, string][] = [
      [{ THREADGATE_FILES_STORE: 'disk' }, 'THREADGATE_FILES_STORE'],
      [{ THREADGATE_FILES_STORE: 's3' }, 'THREADGATE_S3_BUCKET'],
      [{ ...s3, THREADGATE_S3_BUCKET: 'Bad_Bucket' }, 'THREADGATE_S3_BUCKET'],
      [{ ...s3, THREADGATE_S3_ENDPOINT: 'ftp://x' }, 'THREADGATE_S3_ENDPOINT'],
      [{ ...s3, THREADGATE_S3_ACCESS_KEY_ID: 'id' }, 'THREADGATE_S3_SECRET_ACCESS_KEY'],
      [{ ...s3, THREADGATE_S3_SECRET_ACCESS_KEY: 'secret' }, 'THREADGATE_S3_ACCESS_KEY_ID'],
      [{ ...s3, THREADGATE_S3_REGION: 'EU West' }, 'THREADGATE_S3_REGION'],
      [{ ...s3, THREADGATE_S3_FORCE_PATH_STYLE: 'yes' }, 'THREADGATE_S3_FORCE_PATH_STYLE'],
      [{ THREADGATE_FILES_MAX_BYTES: '0' }, 'THREADGATE_FILES_MAX_BYTES'],
      [{ THREADGATE_FILES_URL_TTL_SECONDS: String(8 * 86_400) }, 'THREADGATE_FILES_URL_TTL_SECONDS'],
      [{ THREADGATE_PUBLIC_URL: 'threadgate.example.com' }, 'THREADGATE_PUBLIC_URL'],
      [{ THREADGATE_PUBLIC_URL: 'https://h/?q=1' }, 'THREADGATE_PUBLIC_URL'],
      [{ THREADGATE_PUBLIC_URL: 'javascript:alert(1)' }, 'THREADGATE_PUBLIC_URL'],
    ];
    for (const [env, variable] of cases) {
      const error = configError(env);
      assert.equal(error.variable, variable, JSON.stringify(env));
      assert.doesNotMatch(error.message, /secret$/);
    }
  });

  it('the public URL loses a trailing slash', () => {
    assert.equal(resolveConfig({ THREADGATE_PUBLIC_URL: 'https://tg.example.com/base/' }).publicUrl, 'https://tg.example.com/base');
  });
});
