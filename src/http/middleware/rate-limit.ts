/**
 * Per-address rate limits on anonymous mints and refreshes, with the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers) and `Retry-After` on 429. Limits live in memory for
 * one process and in Redis when REDIS_URL is set, so several processes share them.
 *
 * While Redis is unreachable (not connected, or a command fails or times out) a Redis-backed
 * limit is counted in this process instead (rate-limiter-flexible's insurance limiter, same
 * points and window), with a warning at most once a minute: requests are still limited, per
 * process, and never fail or wait because of Redis (redis-client.ts bounds a command at 1 s).
 */
import type { MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimited } from '../../errors.js';
import type { ResolvedConfig } from '../../config.js';
import type { AppEnv, RateLimiters } from '../context.js';
import { clientAddress } from './client-address.js';
import { addressNetwork } from './address-network.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { addResponseHeader } from '../respond.js';
import { depsOf } from '../../platform/http/pipeline.js';
import { REDIS_LOG_INTERVAL_MS } from '../../redis-client.js';

export type { RateLimiters };

/** How a limiter is stored: in this process, or in Redis with this process as the fallback. */
export interface RateLimiterStore {
  /** A limiter of `points` per `durationSeconds` per key. */
  create(keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract;
}

/**
 * @example
 * const store = rateLimiterStore(config, redis, logger)
 * const limiter = store.create('anonymous-mint', 20, 60)
 */
export function rateLimiterStore(config: Pick<ResolvedConfig, 'redisKeyPrefix'>, redis: Redis | null, logger: Logger, clock: () => number = Date.now): RateLimiterStore {
  if (redis === null) return { create: (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }) };
  let lastWarnedAt = -Infinity;
  const warn = () => {
    const now = clock();
    if (now - lastWarnedAt < REDIS_LOG_INTERVAL_MS) return;
    lastWarnedAt = now;
    logger.warn('Redis unreachable: rate limits are counted in this process only until it is back');
  };
  return {
    create(keyPrefix, points, duration) {
      const insuranceLimiter = new InsuranceLimiter({ keyPrefix, points, duration }, warn);
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${config.redisKeyPrefix}${keyPrefix}`,
        points,
        duration,
        // Not connected: straight to the insurance limiter, without queueing a command.
        rejectIfRedisNotReady: true,
        insuranceLimiter,
      });
    },
  };
}

/** The in-process limiter that stands in while Redis is unreachable; says so when used. */
class InsuranceLimiter extends RateLimiterMemory {
  readonly #onUse: () => void;
  constructor(options: ConstructorParameters<typeof RateLimiterMemory>[0], onUse: () => void) {
    super(options);
    this.#onUse = onUse;
  }
  override consume(key: string | number, pointsToConsume?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.#onUse();
    return super.consume(key, pointsToConsume, options);
  }
}

export function createRateLimiters(config: ResolvedConfig, store: RateLimiterStore): RateLimiters {
  return {
    anonymousMint: store.create('anonymous-mint', config.anonymousMintsPerMinute, 60),
    refresh: store.create('refresh', config.refreshesPerMinute, 60),
  };
}

export function rateLimitByAddress(pick: (limiters: RateLimiters) => RateLimiterAbstract): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const deps = depsOf(c);
    const limiter = pick(deps.rateLimiters);
    // An IPv6 client is counted by its network (address-network.ts).
    const counted = addressNetwork(clientAddress(c, deps.config.trustProxy), deps.config.rateLimitIpv6Prefix);
    let result: RateLimiterRes;
    try {
      result = await limiter.consume(counted);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const error = new RateLimited(rejection.msBeforeNext / 1000);
      Object.assign(error.headers, rateLimitHeaders(limiter.points, rejection));
      throw error;
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(limiter.points, result))) addResponseHeader(c, name, value);
    await next();
  };
}
