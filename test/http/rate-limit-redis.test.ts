/**
 * With REDIS_URL, rate limits are shared: two server instances (as two processes behind a load
 * balancer) draw from one per-address budget.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { serviceUrl } from '../helpers/services.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { expectError } from '../helpers/error-contract.js';

const redisUrl = serviceUrl('TEST_REDIS_URL');
if (redisUrl !== undefined) {
  describe('rate limits shared through Redis', () => {
    let a: TestApp;
    let b: TestApp;
    before(async () => {
      const env = { REDIS_URL: redisUrl, THREADGATE_REDIS_PREFIX: `tgtest:${randomBytes(6).toString('hex')}:`, THREADGATE_ANONYMOUS_MINTS_PER_MINUTE: '4' };
      a = await createTestApp(env);
      b = await createTestApp(env);
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it('two instances share one budget per address', async () => {
      const statuses: number[] = [];
      for (const app of [a, b, a, b, a, b]) statuses.push((await app.call('POST', '/v1/auth/tokens/anonymous')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
      const limited = await b.call('POST', '/v1/auth/tokens/anonymous');
      expectError(limited, 429, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    });
  });
}
