/**
 * External services for tests. URLs come from the environment (`.ci/run` sets them). Without one,
 * a suite is skipped with a loud message on a laptop, and fails under CI=true, so CI never
 * silently skips what it is meant to run.
 */
import { test } from 'node:test';

export function serviceUrl(name: 'TEST_POSTGRES_URL' | 'TEST_REDIS_URL'): string | undefined {
  const url = process.env[name];
  if (url) return url;
  if (process.env.CI === 'true') {
    test(`${name} is required under CI=true`, () => {
      throw new Error(`${name} is not set, and CI=true: this suite must run in CI`);
    });
  } else {
    console.warn(`\n*** ${name} is not set: SKIPPING the suites that need it ***\n`);
  }
  return undefined;
}
