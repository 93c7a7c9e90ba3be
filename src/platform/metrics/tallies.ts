/**
 * Counters and histograms observed on every request, tallied in plain numbers and handed to
 * prom-client only when `/metrics` is scraped.
 *
 * prom-client hashes the label object on every `inc` and `observe`, even through a child from
 * `labels()` (a child binds the label object, it does not keep the hash), and validates the labels
 * again each time: on a cached authentication that was a noticeable share of what a request cost
 * (docs/benchmarks.md). Here a caller keeps one tally per label set and a request adds to it;
 * prom-client sees the totals at scrape time, through a counter's `collect()` callback or, for a
 * histogram, a registered metric that renders exactly what prom-client's `Histogram` renders (the
 * same lines, labels and order: test/platform/metrics/tallies.test.ts compares the two texts).
 */
import { Counter, type MetricValueWithName, type Registry } from 'prom-client';

/** One label set's running count. */
export interface CounterTally {
  count: number;
}

export interface TalliedCounter {
  /** The tally of one label set, made on first use: keep it, then add to its `count`. */
  tally(...labelValues: string[]): CounterTally;
}

/**
 * A prom-client `Counter` registered in `registry` whose values are the tallies' counts, read at
 * each scrape. A label set appears once its tally exists, as a prom-client counter's does after
 * its first `inc`.
 *
 * @example
 * const cache = createTalliedCounter(registry, { name: 'threadgate_credential_cache_total', help: '...', labelNames: ['result'] })
 * const hit = cache.tally('hit')
 * hit.count++
 */
export function createTalliedCounter(registry: Registry, config: { name: string; help: string; labelNames: readonly string[] }): TalliedCounter {
  const tallies = new Map<string, { labelValues: string[]; tally: CounterTally }>();
  new Counter({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labelValues, tally } of tallies.values()) this.labels(...labelValues).inc(tally.count);
    },
  });
  return {
    tally(...labelValues) {
      if (labelValues.length !== config.labelNames.length) throw new TypeError(`${config.name}: expected ${config.labelNames.length} label values`);
      // Made once per label set; callers keep the tally, so this key is not built per request.
      const key = JSON.stringify(labelValues);
      let held = tallies.get(key);
      if (held === undefined) tallies.set(key, (held = { labelValues, tally: { count: 0 } }));
      return held.tally;
    },
  };
}

/** One label set's histogram: observations per bucket (not cumulative), their sum and count. */
export interface HistogramTally {
  /** Adds one observation. Throws a `TypeError` for a value that is not a finite number, as prom-client does. */
  observe(value: number): void;
}

export interface TalliedHistogram {
  /** The tally of one label set (values in `labelNames` order), made on first use: keep it. */
  tally(...labelValues: string[]): HistogramTally;
}

interface HistogramEntry {
  labels: Readonly<Record<string, string>>;
  /** Observations at most `upperBounds[i]` and above the bound before it. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram registered in `registry` that renders as a prom-client `Histogram` with the same
 * name, help, label names and buckets would after the same observations.
 *
 * @example
 * const requests = createTalliedHistogram(registry, { name: 'threadgate_http_request_duration_seconds', help: '...', labelNames: ['route', 'method', 'status'], buckets: [0.001, 0.01] })
 * requests.tally('/v1/me', 'GET', '200').observe(0.0004)
 */
export function createTalliedHistogram(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] },
): TalliedHistogram {
  const upperBounds = [...config.buckets].sort((a, b) => a - b);
  const entries = new Map<string, HistogramEntry>();
  const bucketName = `${config.name}_bucket`;

  function values(): MetricValueWithName<string>[] {
    const out: MetricValueWithName<string>[] = [];
    for (const entry of entries.values()) {
      let cumulative = 0;
      upperBounds.forEach((le, i) => {
        cumulative += entry.counts[i]!;
        out.push({ metricName: bucketName, labels: { le, ...entry.labels }, value: cumulative });
      });
      out.push({ metricName: bucketName, labels: { le: '+Inf', ...entry.labels }, value: entry.count });
      out.push({ metricName: `${config.name}_sum`, labels: entry.labels, value: entry.sum });
      out.push({ metricName: `${config.name}_count`, labels: entry.labels, value: entry.count });
    }
    return out;
  }

  const metric = {
    name: config.name,
    help: config.help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      return { name: config.name, help: config.help, type: 'histogram', aggregator: 'sum', values: values() };
    },
    reset() {
      for (const entry of entries.values()) {
        entry.counts.fill(0);
        entry.sum = 0;
        entry.count = 0;
      }
    },
  };
  // The registry reads a metric's name, help, type, aggregator and `get()` (and `reset()` on
  // `resetMetrics`); its type names only prom-client's own classes, whose per-call label hashing
  // is what this avoids.
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);

  return {
    tally(...labelValues) {
      if (labelValues.length !== config.labelNames.length) throw new TypeError(`${config.name}: expected ${config.labelNames.length} label values`);
      const key = JSON.stringify(labelValues);
      let entry = entries.get(key);
      if (entry === undefined) {
        const labels = Object.fromEntries(config.labelNames.map((name, i) => [name, labelValues[i]!]));
        entries.set(key, (entry = { labels, counts: new Float64Array(upperBounds.length), sum: 0, count: 0 }));
      }
      const held = entry;
      return {
        observe(value) {
          if (!Number.isFinite(value)) throw new TypeError(`${config.name}: not a finite number: ${value}`);
          let i = 0;
          while (i < upperBounds.length && value > upperBounds[i]!) i++;
          if (i < upperBounds.length) held.counts[i]!++;
          held.sum += value;
          held.count++;
        },
      };
    },
  };
}
