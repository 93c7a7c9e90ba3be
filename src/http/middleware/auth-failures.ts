/**
 * Failed authentication, per client address: every failure is logged, guesses are counted, and
 * an address that has made more than THREADGATE_AUTH_FAILURES_PER_MINUTE guesses in a 60-second
 * window is answered `429 rate_limited` (with `Retry-After` and the RateLimit headers) on every
 * route that takes a credential until the window ends, before its credential is even looked at.
 *
 * A failure is any refused credential of any kind: the admin key, an API key, a workspace token, a
 * user token, an identity provider's token, a refresh token. A request with no credential at all
 * (`authentication_required`) is not one. A genuine credential that is only out of time or used
 * up (`token_expired`, `token_not_yet_valid`, `token_revoked`, `refresh_token_reused`: its
 * signature or hash matched) is logged but not counted: it is no guess, and browsers waking up
 * send expired tokens in bursts.
 *
 * Cost, on the way in: `refuseIfBlocked` is synchronous and reads this process's memory only
 * (nothing at all while no address is blocked), so a request with a cached, valid credential
 * gains no await and no Redis call. Only failures reach the counter (Redis when REDIS_URL is set,
 * shared by every process; memory otherwise, and while Redis is unreachable).
 *
 * The bound: the counter is shared, the block is not. The process that sees an address go over
 * the limit blocks it at once; another process blocks it after its own next failure from that
 * address in the window (which is checked, counted, over the limit, and so answered 429). Across
 * P processes an address thus gets at most limit + P − 1 credentials checked per window (the
 * limit, with one process). At most {@link MAX_BLOCKED} addresses are held blocked per process;
 * past that the oldest block is dropped, which costs that address one more checked credential.
 *
 * An IPv6 client is counted and blocked by its network (THREADGATE_RATE_LIMIT_IPV6_PREFIX,
 * address-network.ts), so moving to another address of its network does not buy more guesses;
 * the logs and the audit log name the exact address.
 */
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimited, type AuthError, type ErrorCode, type ThreadgateError } from '../../errors.js';
import type { ResolvedConfig } from '../../config.js';
import { credentialKindOf } from '../../auth/credential-kind.js';
import { clientAddress } from './client-address.js';
import { addressNetwork } from './address-network.js';
import type { RateLimiterStore } from './rate-limit.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import type { AuthFailures } from '../context.js';
import type { EventBus } from '../../platform/events/bus.js';

/** Blocked addresses held in memory per process. */
export const MAX_BLOCKED = 10_000;

/** Refusals of a genuine credential: logged, not counted as guesses. */
const NOT_GUESSES: ReadonlySet<ErrorCode> = new Set(['token_expired', 'token_not_yet_valid', 'token_revoked', 'refresh_token_reused']);

export type { AuthFailures };

/**
 * @example
 * const authFailures = createAuthFailures(config, rateLimiterStore(config, redis, logger), logger)
 */
export function createAuthFailures(
  config: Pick<ResolvedConfig, 'authFailuresPerMinute' | 'trustProxy' | 'rateLimitIpv6Prefix'>,
  store: RateLimiterStore,
  logger: Logger,
  clock: () => number = Date.now,
  events?: EventBus,
): AuthFailures {
  const points = config.authFailuresPerMinute;
  const limiter: RateLimiterAbstract = store.create('auth-failures', points, 60);
  /** Counted address (an IPv6 client's network) → when its block ends (ms since the epoch), oldest first. */
  const blocked = new Map<string, number>();

  const refusal = (msLeft: number) => {
    const error = new RateLimited(msLeft / 1000);
    Object.assign(error.headers, rateLimitHeaders(points, { remainingPoints: 0, msBeforeNext: msLeft }));
    return error;
  };

  return {
    refuseIfBlocked(c) {
      if (blocked.size === 0) return;
      const counted = addressNetwork(clientAddress(c, config.trustProxy), config.rateLimitIpv6Prefix);
      const until = blocked.get(counted);
      if (until === undefined) return;
      const msLeft = until - clock();
      if (msLeft <= 0) {
        blocked.delete(counted);
        return;
      }
      throw refusal(msLeft);
    },

    async failed(c, error) {
      const address = clientAddress(c, config.trustProxy);
      const counted = !NOT_GUESSES.has(error.code);
      const credential = credentialKindOf(error);
      const route = `${c.req.method} ${c.req.path}`;
      // The audit log and metrics hear of it (never the credential itself).
      events?.publish('auth.failed', { code: error.code, credential, address, route, counted }, { kind: 'anonymous', address });
      logger.info(
        {
          code: error.code,
          credential,
          address,
          route,
          ...(error.detail !== undefined ? { detail: error.detail } : {}),
          ...(counted ? {} : { counted: false }),
        },
        'authentication failed',
      );
      if (!counted) return error;
      const network = addressNetwork(address, config.rateLimitIpv6Prefix);
      try {
        await limiter.consume(network);
        return error;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) {
          logger.error({ err: rejection }, 'the failed-authentication counter is unavailable');
          return error;
        }
        const msLeft = Math.max(1000, rejection.msBeforeNext);
        if (!blocked.has(network)) {
          if (blocked.size >= MAX_BLOCKED) blocked.delete(blocked.keys().next().value!);
          logger.warn(
            { address, ...(network !== address ? { network } : {}), failures: rejection.consumedPoints, limit: points, blockedForSeconds: Math.ceil(msLeft / 1000) },
            'too many failed authentications: address blocked',
          );
        }
        blocked.delete(network);
        blocked.set(network, clock() + msLeft);
        return refusal(msLeft);
      }
    },
  };
}
