/**
 * Per-address rate limits on anonymous mints and refreshes, with the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers) and `Retry-After` on 429. Limits live in memory for
 * one process and in Redis when REDIS_URL is set, so several processes share them.
 */
import type { MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { RateLimited } from '../../errors.js';
import type { ResolvedConfig } from '../../config.js';
import type { AppEnv } from '../context.js';
import { clientAddress } from './client-address.js';
import { addResponseHeader } from '../respond.js';
import { depsOf } from '../app-context.js';

export interface RateLimiters {
  anonymousMint: RateLimiterAbstract;
  refresh: RateLimiterAbstract;
}

export function createRateLimiters(config: ResolvedConfig, redis: Redis | null): RateLimiters {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract =>
    redis === null
      ? new RateLimiterMemory({ keyPrefix, points, duration: 60 })
      : new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.redisKeyPrefix}${keyPrefix}`, points, duration: 60 });
  return {
    anonymousMint: make('anonymous-mint', config.anonymousMintsPerMinute),
    refresh: make('refresh', config.refreshesPerMinute),
  };
}

export function rateLimitByAddress(pick: (limiters: RateLimiters) => RateLimiterAbstract): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const deps = depsOf(c);
    const limiter = pick(deps.rateLimiters);
    const address = clientAddress(c, deps.config.trustProxy);
    let result: RateLimiterRes;
    try {
      result = await limiter.consume(address);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const error = new RateLimited(rejection.msBeforeNext / 1000);
      Object.assign(error.headers, headersFor(limiter.points, rejection));
      throw error;
    }
    for (const [name, value] of Object.entries(headersFor(limiter.points, result))) addResponseHeader(c, name, value);
    await next();
  };
}

function headersFor(limit: number, result: RateLimiterRes): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, result.remainingPoints)),
    'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
  };
}
