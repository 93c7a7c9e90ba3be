/**
 * Tallied metrics (src/platform/metrics/tallies.ts) scrape as the same text as prom-client's own
 * `Histogram` and `Counter` after the same sequence of observations: same lines, labels, order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { createTalliedCounter, createTalliedHistogram } from '../../../src/platform/metrics/tallies.js';

const HISTOGRAM = {
  name: 'test_request_duration_seconds',
  help: 'Requests by route, method and status.',
  labelNames: ['route', 'method', 'status'],
  buckets: [0.001, 0.01, 0.1, 1],
} as const;

const COUNTER = { name: 'test_authentications_total', help: 'Authentications by kind and outcome.', labelNames: ['credential', 'outcome'] } as const;

/** Observations with values below, at and above bucket bounds, over several label sets, one with a quote. */
const OBSERVED: [string, string, string, number][] = [
  ['/v1/me', 'GET', '200', 0.0004],
  ['/v1/me', 'GET', '200', 0.001],
  ['/v1/threads/{threadId}', 'POST', '201', 0.02],
  ['/v1/me', 'GET', '401', 0],
  ['/v1/me', 'GET', '200', 5],
  ['unmatched', 'OTHER', '404', 0.1],
  ['/v1/"quoted"\\path', 'GET', '200', 1],
  ['/v1/threads/{threadId}', 'POST', '201', 0.0123456789],
];

describe('tallied metrics', () => {
  it('a tallied histogram scrapes as prom-client\'s Histogram after the same observations', async () => {
    const expected = new Registry();
    const real = new Histogram({ ...HISTOGRAM, labelNames: [...HISTOGRAM.labelNames], buckets: [...HISTOGRAM.buckets], registers: [expected] });
    const actual = new Registry();
    const tallied = createTalliedHistogram(actual, HISTOGRAM);
    // An empty histogram scrapes as one, too.
    assert.equal(await actual.metrics(), await expected.metrics());
    for (const [route, method, status, seconds] of OBSERVED) {
      real.labels(route, method, status).observe(seconds);
      tallied.tally(route, method, status).observe(seconds);
    }
    const text = await actual.metrics();
    assert.equal(text, await expected.metrics());
    assert.match(text, /test_request_duration_seconds_count\{route="\/v1\/me",method="GET",status="200"\} 3/);
  });

  it('a kept tally and a new one for the same labels add to the same series', async () => {
    const registry = new Registry();
    const tallied = createTalliedHistogram(registry, HISTOGRAM);
    tallied.tally('/v1/me', 'GET', '200').observe(0.5);
    tallied.tally('/v1/me', 'GET', '200').observe(0.5);
    assert.match(await registry.metrics(), /_count\{route="\/v1\/me",method="GET",status="200"\} 2\n/);
  });

  it('a tallied histogram refuses what prom-client refuses: a value that is not finite, a wrong label count', () => {
    const tallied = createTalliedHistogram(new Registry(), HISTOGRAM);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => tallied.tally('/v1/me', 'GET', '200').observe(value), TypeError);
    }
    assert.throws(() => tallied.tally('/v1/me', 'GET'), TypeError);
  });

  it('registry.resetMetrics() zeroes a tallied histogram\'s series (kept tallies stay valid)', async () => {
    const registry = new Registry();
    const tallied = createTalliedHistogram(registry, HISTOGRAM);
    tallied.tally('/v1/me', 'GET', '200').observe(0.5);
    registry.resetMetrics();
    assert.match(await registry.metrics(), /_count\{route="\/v1\/me",method="GET",status="200"\} 0\n/);
  });

  it('a tallied counter scrapes as prom-client\'s Counter after the same increments', async () => {
    const expected = new Registry();
    const real = new Counter({ ...COUNTER, labelNames: [...COUNTER.labelNames], registers: [expected] });
    const actual = new Registry();
    const tallied = createTalliedCounter(actual, COUNTER);
    assert.equal(await actual.metrics(), await expected.metrics());
    const sequence = [
      ['workspace_token', 'ok'],
      ['api_key', 'ok'],
      ['workspace_token', 'ok'],
      ['workspace_token', 'token_expired'],
      ['api_key', 'invalid_token'],
    ] as const;
    for (const [credential, outcome] of sequence) {
      real.labels(credential, outcome).inc();
      tallied.tally(credential, outcome).count++;
    }
    const text = await actual.metrics();
    assert.equal(text, await expected.metrics());
    assert.match(text, /test_authentications_total\{credential="workspace_token",outcome="ok"\} 2\n/);
    // A second scrape does not count twice.
    assert.equal(await actual.metrics(), text);
  });
});
