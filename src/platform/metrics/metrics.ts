/**
 * The server's Prometheus metrics (prom-client), served by `GET /metrics` (metrics-routes.ts;
 * docs/metrics.md lists every metric). One registry per server, so tests and several apps in one
 * process never share counters.
 *
 * The request histogram is observed on every response (request-metrics.ts, a pipeline hook), and
 * the authentication and credential-cache counters on every authenticated request, so they are
 * tallied in plain numbers and handed to prom-client at scrape time (tallies.ts): each (route,
 * method, status) tally is made once and kept in nested maps; a request then costs three map reads
 * and a bucket search, allocating nothing and hashing no label object. Labels are bounded: the route is the declared template (`/v1/threads/:threadId`), never
 * the path; a request no route matched is `unmatched`; methods outside the usual ones are `OTHER`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createTalliedCounter, createTalliedHistogram, type CounterTally, type HistogramTally } from './tallies.js';
import type { PoolStats } from '../../store/store-context.js';

/** Request latency buckets, seconds: a cached request takes well under a millisecond. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route label of a request that no declared route answered. */
export const UNMATCHED_ROUTE = 'unmatched';

export type JwksFetchOutcome = 'ok' | 'error';

export interface Metrics {
  readonly registry: Registry;
  /** A completed request (the response is built; a stream may still be sending). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** An authentication's outcome: `ok` or the refusal's error code, by credential kind. */
  countAuthentication(credential: string, outcome: string): void;
  /** The verified-credential cache answered (hit) or the credential was verified in full (miss). */
  countCredentialCache(hit: boolean): void;
  countJwksFetch(outcome: JwksFetchOutcome): void;
  /** A database query's duration, ms (the store's `onQuery`). */
  observeQuery(durationMs: number, failed: boolean): void;
  /** How long a domain event from another process took to arrive, ms. */
  observeEventLag(ms: number): void;
  /** Values read at each scrape: the audit queue, the connection pool. */
  watch(sources: MetricSources): void;
}

export interface MetricSources {
  auditDropped?: () => Readonly<Record<string, number>>;
  auditQueued?: () => number;
  poolStats?: () => PoolStats;
}

/**
 * @example
 * const metrics = createMetrics()
 * metrics.observeRequest('GET', '/v1/me', 200, 0.0004)
 * const text = await metrics.registry.metrics()
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'threadgate_' });

  const requests = createTalliedHistogram(registry, {
    name: 'threadgate_http_request_duration_seconds',
    help: 'Requests by route template, method and status: time until the response was built (its _count counts requests).',
    labelNames: ['route', 'method', 'status'],
    buckets: REQUEST_BUCKETS,
  });
  const requestTallies = new Map<string, Map<string, Map<number, HistogramTally>>>();

  const authentications = createTalliedCounter(registry, {
    name: 'threadgate_authentications_total',
    help: 'Authentications by credential kind and outcome (ok, or the refusal\'s error code).',
    labelNames: ['credential', 'outcome'],
  });
  const authTallies = new Map<string, Map<string, CounterTally>>();

  const cache = createTalliedCounter(registry, {
    name: 'threadgate_credential_cache_total',
    help: 'Credential checks answered by the verified-credential cache (hit) or verified in full (miss).',
    labelNames: ['result'],
  });
  // Made on first use, so a label set shows once it has been counted, as before.
  let cacheHit: CounterTally | undefined;
  let cacheMiss: CounterTally | undefined;

  const jwks = new Counter({
    name: 'threadgate_jwks_fetches_total',
    help: 'Identity-provider JWKS fetches by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Observed on every database query: tallied as the request histogram is.
  const queries = createTalliedHistogram(registry, {
    name: 'threadgate_db_query_duration_seconds',
    help: 'Database queries by outcome (ok, error).',
    labelNames: ['outcome'],
    buckets: QUERY_BUCKETS,
  });
  let queryOk: HistogramTally | undefined;
  let queryError: HistogramTally | undefined;
  const eventLag = new Histogram({
    name: 'threadgate_event_bus_lag_seconds',
    help: 'Time from publish to delivery of domain events from other processes (Redis), by the publisher\'s clock.',
    buckets: LAG_BUCKETS,
    registers: [registry],
  });

  let sources: MetricSources = {};
  new Counter({
    name: 'threadgate_audit_dropped_total',
    help: 'Audit events dropped: queue_full (THREADGATE_AUDIT_QUEUE_SIZE reached) or write_failed (the database refused a batch).',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      const dropped = sources.auditDropped?.();
      if (dropped === undefined) return;
      // A counter read from its source: reset, then set to the source's running total.
      this.reset();
      for (const [reason, count] of Object.entries(dropped)) this.labels(reason).inc(count);
    },
  });
  new Gauge({
    name: 'threadgate_audit_queue_length',
    help: 'Audit events waiting to be written.',
    registers: [registry],
    collect() {
      const queued = sources.auditQueued?.();
      if (queued !== undefined) this.set(queued);
    },
  });
  new Gauge({
    name: 'threadgate_db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle) and queries waiting for one (waiting).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = sources.poolStats?.();
      if (stats === undefined) return;
      this.labels('total').set(stats.total);
      this.labels('idle').set(stats.idle);
      this.labels('waiting').set(stats.waiting);
    },
  });

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const m = METHODS.has(method) ? method : 'OTHER';
      let byMethod = requestTallies.get(route);
      if (byMethod === undefined) requestTallies.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(m);
      if (byStatus === undefined) byMethod.set(m, (byStatus = new Map()));
      let tally = byStatus.get(status);
      if (tally === undefined) byStatus.set(status, (tally = requests.tally(route, m, String(status))));
      tally.observe(seconds);
    },
    countAuthentication(credential, outcome) {
      let byOutcome = authTallies.get(credential);
      if (byOutcome === undefined) authTallies.set(credential, (byOutcome = new Map()));
      let tally = byOutcome.get(outcome);
      if (tally === undefined) byOutcome.set(outcome, (tally = authentications.tally(credential, outcome)));
      tally.count++;
    },
    countCredentialCache(hit) {
      if (hit) (cacheHit ??= cache.tally('hit')).count++;
      else (cacheMiss ??= cache.tally('miss')).count++;
    },
    countJwksFetch(outcome) {
      jwks.labels(outcome).inc();
    },
    observeQuery(durationMs, failed) {
      if (failed) (queryError ??= queries.tally('error')).observe(durationMs / 1000);
      else (queryOk ??= queries.tally('ok')).observe(durationMs / 1000);
    },
    observeEventLag(ms) {
      eventLag.observe(Math.max(0, ms) / 1000);
    },
    watch(more) {
      sources = { ...sources, ...more };
    },
  };
}
