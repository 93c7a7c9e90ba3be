/**
 * The client address behind proxies (THREADGATE_TRUST_PROXY): the right-most X-Forwarded-For
 * address that is not a trusted proxy, never the client-controlled left end.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'hono';
import { clientAddress } from '../../../src/http/middleware/client-address.js';
import { parseTrustProxy, resolveConfig, ConfigError } from '../../../src/config.js';
import { startListeningServer, type ListeningServer } from '../../helpers/listening-server.js';

/** A request as @hono/node-server hands it: the socket's peer and the raw header list. */
function requestFrom(peer: string | undefined, forwardedFor?: string | string[]): Context {
  const values = forwardedFor === undefined ? [] : Array.isArray(forwardedFor) ? forwardedFor : [forwardedFor];
  const rawHeaders = values.flatMap((value) => ['X-Forwarded-For', value]);
  return { env: { incoming: { socket: { remoteAddress: peer }, rawHeaders } } } as unknown as Context;
}

const address = (trust: string | undefined, peer: string | undefined, forwardedFor?: string | string[]) =>
  clientAddress(requestFrom(peer, forwardedFor), parseTrustProxy(trust));

describe('client address', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    assert.equal(address(undefined, '198.51.100.4', '10.0.0.1'), '198.51.100.4');
    assert.equal(address('false', '198.51.100.4', '10.0.0.1'), '198.51.100.4');
    assert.equal(address('0', '198.51.100.4', '10.0.0.1'), '198.51.100.4');
  });

  it('true trusts one hop: the right-most X-Forwarded-For entry, not the client-written left end', () => {
    // nginx ($proxy_add_x_forwarded_for) appended the address it saw to what the client sent.
    assert.equal(address('true', '192.0.2.1', '10.0.0.7, 203.0.113.9'), '203.0.113.9');
    assert.equal(address('true', '192.0.2.1', '10.0.0.8, 203.0.113.9'), '203.0.113.9');
    assert.equal(address('1', '192.0.2.1', '203.0.113.9'), '203.0.113.9');
    // Two X-Forwarded-For headers are one list (RFC 9110 §5.3).
    assert.equal(address('true', '192.0.2.1', ['10.0.0.7', '203.0.113.9']), '203.0.113.9');
    // No header: the proxy itself is the client.
    assert.equal(address('true', '192.0.2.1'), '192.0.2.1');
  });

  it('a hop count trusts that many proxies from the right', () => {
    // client → CDN (appends) → load balancer (appends) → Threadgate
    assert.equal(address('2', '192.0.2.1', '10.9.9.9, 203.0.113.9, 198.51.100.20'), '203.0.113.9');
    // Fewer entries than hops: the left-most there is.
    assert.equal(address('3', '192.0.2.1', '203.0.113.9'), '203.0.113.9');
  });

  it('a list of proxies skips exactly those, IPv4 and IPv6, from the right', () => {
    const trust = '10.0.0.0/8,fd00::/8,192.0.2.1';
    assert.equal(address(trust, '192.0.2.1', '10.1.1.1, 203.0.113.9, 10.2.2.2'), '203.0.113.9');
    assert.equal(address(trust, 'fd00::1', '2001:db8::5, fd00::2'), '2001:db8::5');
    // An IPv4 peer on a dual-stack socket.
    assert.equal(address(trust, '::ffff:10.0.0.3', '203.0.113.9'), '203.0.113.9');
    // The peer is not a listed proxy: it is the client, X-Forwarded-For is not read.
    assert.equal(address(trust, '198.51.100.4', '203.0.113.9'), '198.51.100.4');
    // Every entry is a proxy: the left-most.
    assert.equal(address('loopback,uniquelocal', '127.0.0.1', '10.1.1.1, 192.168.1.1'), '10.1.1.1');
  });

  it('THREADGATE_TRUST_PROXY takes true, false, a hop count or a list, and names itself when wrong', () => {
    assert.deepEqual(resolveConfig({}).trustProxy, { hops: 0 });
    assert.deepEqual(resolveConfig({ THREADGATE_TRUST_PROXY: 'true' }).trustProxy, { hops: 1 });
    assert.deepEqual(resolveConfig({ THREADGATE_TRUST_PROXY: '2' }).trustProxy, { hops: 2 });
    assert.deepEqual(resolveConfig({ THREADGATE_TRUST_PROXY: ' 10.0.0.0/8, ::1 ' }).trustProxy, { addresses: ['10.0.0.0/8', '::1'] });
    for (const bad of ['yes', '10.0.0.0/33', '101', 'loopback,nonsense']) {
      assert.throws(() => resolveConfig({ THREADGATE_TRUST_PROXY: bad }), (error) => error instanceof ConfigError && error.variable === 'THREADGATE_TRUST_PROXY', bad);
    }
  });
});

describe('THREADGATE_RATE_LIMIT_IPV6_PREFIX', () => {
  it('is 56 by default, takes 32 to 128, and names itself when wrong', () => {
    assert.equal(resolveConfig({}).rateLimitIpv6Prefix, 56);
    assert.equal(resolveConfig({ THREADGATE_RATE_LIMIT_IPV6_PREFIX: '64' }).rateLimitIpv6Prefix, 64);
    assert.equal(resolveConfig({ THREADGATE_RATE_LIMIT_IPV6_PREFIX: '128' }).rateLimitIpv6Prefix, 128);
    for (const bad of ['31', '129', '/64', 'all']) {
      assert.throws(() => resolveConfig({ THREADGATE_RATE_LIMIT_IPV6_PREFIX: bad }), (error) => error instanceof ConfigError && error.variable === 'THREADGATE_RATE_LIMIT_IPV6_PREFIX', bad);
    }
  });
});

describe('per-address limits behind a proxy', () => {
  let server: ListeningServer;
  before(async () => {
    server = await startListeningServer({ THREADGATE_TRUST_PROXY: 'true', THREADGATE_ANONYMOUS: 'true', THREADGATE_ANONYMOUS_MINTS_PER_MINUTE: '2' });
  });
  after(async () => server.stop());

  it('a client that writes a new left-hand X-Forwarded-For entry each time still has one budget', async () => {
    const statuses: number[] = [];
    for (let n = 1; n <= 4; n++) {
      const res = await fetch(`${server.url}/v1/auth/tokens/anonymous`, { method: 'POST', headers: { 'X-Forwarded-For': `10.0.0.${n}, 203.0.113.9` } });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    // Another real client behind the same proxy has its own.
    const other = await fetch(`${server.url}/v1/auth/tokens/anonymous`, { method: 'POST', headers: { 'X-Forwarded-For': '203.0.113.10' } });
    assert.equal(other.status, 200);
  });

  it('an IPv6 client that takes a new address of its /56 each time still has one budget; another /56 has its own', async () => {
    const statuses: number[] = [];
    for (const address of ['2001:db8:5:1::1', '2001:db8:5:2::2', '2001:db8:5:ab::3', '2001:db8:5:ff:1:2:3:4']) {
      statuses.push((await fetch(`${server.url}/v1/auth/tokens/anonymous`, { method: 'POST', headers: { 'X-Forwarded-For': address } })).status);
    }
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    const other = await fetch(`${server.url}/v1/auth/tokens/anonymous`, { method: 'POST', headers: { 'X-Forwarded-For': '2001:db8:5:100::1' } });
    assert.equal(other.status, 200);
  });
});
