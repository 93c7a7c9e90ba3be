/**
 * The RateLimit headers every limit of Threadgate answers with (IETF draft-ietf-httpapi-ratelimit-headers,
 * the form express-rate-limit's `draft-6` sends): the per-address limits (rate-limit.ts), the
 * failed-authentication block (auth-failures.ts) and the agents' run and token limits
 * (modules/agents/run-admission.ts). A file of its own so that a service can use it without
 * importing the HTTP middleware.
 */
import type { RateLimiterRes } from 'rate-limiter-flexible';

/**
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds) for a limiter's answer.
 *
 * @example
 * rateLimitHeaders(20, { remainingPoints: 3, msBeforeNext: 41_200 })
 * // { 'RateLimit-Limit': '20', 'RateLimit-Remaining': '3', 'RateLimit-Reset': '42' }
 */
export function rateLimitHeaders(limit: number, result: Pick<RateLimiterRes, 'remainingPoints' | 'msBeforeNext'>): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, result.remainingPoints)),
    'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
  };
}
