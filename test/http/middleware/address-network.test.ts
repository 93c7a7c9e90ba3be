/**
 * Per-address limits count an IPv6 client by its network (THREADGATE_RATE_LIMIT_IPV6_PREFIX) and
 * an IPv4 client by its address, an IPv4-mapped IPv6 address as the IPv4 address it carries.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressNetwork } from '../../../src/http/middleware/address-network.js';

describe('addressNetwork', () => {
  it('keeps an IPv4 address, and the IPv4 address inside an IPv4-mapped IPv6 one', () => {
    assert.equal(addressNetwork('203.0.113.9', 56), '203.0.113.9');
    assert.equal(addressNetwork('::ffff:203.0.113.9', 56), '203.0.113.9');
    assert.equal(addressNetwork('::ffff:cb00:7109', 64), '203.0.113.9');
  });

  it('masks an IPv6 address to its network, whatever way it is written', () => {
    assert.equal(addressNetwork('2001:db8:1:2a::10', 56), '2001:db8:1::/56');
    assert.equal(addressNetwork('2001:0db8:0001:00ff:ffff:ffff:ffff:ffff', 56), '2001:db8:1::/56');
    assert.equal(addressNetwork('2001:db8:1:2a::10', 64), '2001:db8:1:2a::/64');
    assert.equal(addressNetwork('2001:db8:1:2a::10', 60), '2001:db8:1:20::/60');
    assert.notEqual(addressNetwork('2001:db8:1:100::1', 56), addressNetwork('2001:db8:1:ff::1', 56));
    assert.equal(addressNetwork('::1', 64), '::/64');
  });

  it('at 128 bits, each address counts alone (in its canonical form)', () => {
    assert.equal(addressNetwork('2001:0db8::0010', 128), '2001:db8::10');
  });

  it('counts anything that is not an address as it is', () => {
    assert.equal(addressNetwork('unknown', 56), 'unknown');
    assert.equal(addressNetwork('', 56), '');
    assert.equal(addressNetwork('2001:db8::zz', 56), '2001:db8::zz');
  });
});
