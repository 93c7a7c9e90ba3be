/**
 * OIDC discovery with a frozen clock, an injected sleep and a fixed random (no real waits):
 * the exact issuer check, exponential backoff with jitter, capped, single flight, requests that
 * never knock sooner than the backoff allows, warm-up retries at start, and the refresh that
 * keeps the old jwks_uri when the provider is down.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, createDiscovery } from '../../../src/auth/oidc/discovery.js';
import { createFrozenClock } from '../../fixtures/clock.js';
import { expectError } from '../../helpers/error-contract.js';

const ISSUER = 'https://idp.example.com';
const URL_ = `${ISSUER}/.well-known/openid-configuration`;

function scripted(answers: Array<unknown | Error>) {
  const calls: string[] = [];
  return {
    calls,
    async fetchJson(url: string) {
      calls.push(url);
      const next = answers.length > 1 ? answers.shift() : answers[0];
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

const doc = (extra: Record<string, unknown> = {}) => ({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks`, ...extra });
const down = new Error('ECONNREFUSED');
const allowAll = () => undefined;

describe('discovery', () => {
  it('backoff: doubles from 1 s, capped at 60 s, with equal jitter (between d/2 and d)', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelayMs(n, 0.999_999)), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.deepEqual([1, 2, 3, 7].map((n) => backoffDelayMs(n, 0)), [500, 1000, 2000, 30000]);
    assert.equal(backoffDelayMs(3, 0.5, { initialDelayMs: 100, maxDelayMs: 250 }), 188);
    assert.equal(backoffDelayMs(1_000_000, 0.5), 45000, 'no overflow');
  });

  it('reads jwks_uri from a document whose issuer is exactly the rule\'s', async () => {
    const idp = scripted([doc()]);
    const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: idp.fetchJson, checkUrl: allowAll });
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`);
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`);
    assert.deepEqual(idp.calls, [URL_]);
  });

  it('refuses a document for another issuer (even a near one), without jwks_uri, or with a jwks_uri the URL policy refuses', async () => {
    for (const bad of [doc({ issuer: `${ISSUER}/` }), doc({ issuer: 'https://IDP.example.com' }), doc({ issuer: undefined }), doc({ jwks_uri: 7 }), [doc()], 'x']) {
      const clock = createFrozenClock();
      const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: scripted([bad]).fetchJson, checkUrl: allowAll }, { clock });
      await expectError(() => discovery.jwksUri(), 'provider_unavailable', { message: JSON.stringify(bad) });
    }
    const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: scripted([doc({ jwks_uri: 'http://idp.example.com/jwks' })]).fetchJson, checkUrl: () => 'must use https' });
    await expectError(() => discovery.jwksUri(), 'provider_unavailable');
  });

  it('while unreachable: provider_unavailable with Retry-After; requests within the backoff do not knock; it recovers', async () => {
    const clock = createFrozenClock();
    const idp = scripted([down, down, doc()]);
    const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: idp.fetchJson, checkUrl: allowAll }, { clock, random: () => 0.5 });
    await expectError(() => discovery.jwksUri(), 'provider_unavailable'); // attempt 1 fails: next in 750 ms
    for (let i = 0; i < 20; i++) await expectError(() => discovery.jwksUri(), 'provider_unavailable');
    assert.equal(idp.calls.length, 1);
    clock.advance(750);
    try {
      await discovery.jwksUri(); // attempt 2 fails: next in 1500 ms
      assert.fail('discovered');
    } catch (error) {
      assert.equal((error as { code: string }).code, 'provider_unavailable');
      assert.equal((error as { headers: Record<string, string> }).headers['Retry-After'], '2');
    }
    assert.equal(idp.calls.length, 2);
    assert.equal(discovery.failures, 2);
    clock.advance(1499);
    await expectError(() => discovery.jwksUri(), 'provider_unavailable');
    assert.equal(idp.calls.length, 2);
    clock.advance(1);
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`);
    assert.equal(discovery.failures, 0);
  });

  it('single flight: a burst of requests is one attempt', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const discovery = createDiscovery({
      discoveryUrl: URL_,
      issuer: ISSUER,
      checkUrl: allowAll,
      fetchJson: async () => {
        calls++;
        await gate;
        return doc();
      },
    });
    const burst = Array.from({ length: 50 }, () => discovery.jwksUri());
    release();
    assert.deepEqual(new Set(await Promise.all(burst)), new Set([`${ISSUER}/jwks`]));
    assert.equal(calls, 1);
  });

  it('warm-up at start retries with the backoff (injected sleep), and gives up after its attempts without throwing', async () => {
    const clock = createFrozenClock();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    };
    const idp = scripted([down, down, down, doc()]);
    const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: idp.fetchJson, checkUrl: allowAll }, { clock, sleep, random: () => 1 - Number.EPSILON });
    assert.equal(await discovery.warmUp(4), true);
    assert.deepEqual(slept, [1000, 2000, 4000]);
    assert.equal(idp.calls.length, 4);

    const never = scripted([down]);
    const slept2: number[] = [];
    const clock2 = createFrozenClock();
    const stuck = createDiscovery(
      { discoveryUrl: URL_, issuer: ISSUER, fetchJson: never.fetchJson, checkUrl: allowAll, backoff: { initialDelayMs: 1000, maxDelayMs: 3000 } },
      { clock: clock2, random: () => 0.999, sleep: async (ms) => { slept2.push(ms); clock2.advance(ms); } },
    );
    assert.equal(await stuck.warmUp(5), false);
    assert.equal(never.calls.length, 5);
    assert.ok(slept2.every((ms) => ms <= 3000), 'capped');
    await expectError(() => stuck.jwksUri(), 'provider_unavailable');
  });

  it('refreshes after refreshMs in the background, keeping the old jwks_uri while the provider is down', async () => {
    const clock = createFrozenClock();
    const idp = scripted([doc(), down, doc({ jwks_uri: `${ISSUER}/jwks2` })]);
    const discovery = createDiscovery({ discoveryUrl: URL_, issuer: ISSUER, fetchJson: idp.fetchJson, checkUrl: allowAll, refreshMs: 1000 }, { clock, random: () => 0 });
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`);
    clock.advance(1000);
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`); // refresh started, fails
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks`); // within its backoff: no attempt
    assert.equal(idp.calls.length, 2);
    clock.advance(500);
    await discovery.jwksUri();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await discovery.jwksUri(), `${ISSUER}/jwks2`);
  });
});
