#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (TypeScript through tsx).
// Before and after the run it says, loudly, which external services are missing and so which
// suites skip; under CI=true a missing service fails those suites instead (test/helpers/services.ts).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests('test').sort();
const missing = [
  ['TEST_POSTGRES_URL', 'PostgreSQL suites'],
  ['TEST_REDIS_URL', 'Redis suites'],
].filter(([name]) => !process.env[name]);

function banner() {
  if (missing.length === 0) return;
  const lines = missing.map(([name, what]) =>
    process.env.CI === 'true' ? `  ${name} is not set: ${what} FAIL (CI=true)` : `  ${name} is not set: ${what} are SKIPPED`,
  );
  console.log(`\n${'!'.repeat(72)}\n${lines.join('\n')}\n  (bash .ci/run starts the services and sets these)\n${'!'.repeat(72)}\n`);
}

banner();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
banner();
process.exit(result.status ?? 1);
