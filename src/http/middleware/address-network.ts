/**
 * What a per-address limit counts a client under: an IPv4 address as it is, an IPv6 address by its
 * network (THREADGATE_RATE_LIMIT_IPV6_PREFIX bits, default 56). A single IPv6 subscriber is
 * usually given a whole /56 or /64 and can pick a new address in it for every request, so counting
 * exact IPv6 addresses would give one client 2^64 budgets or more (express-rate-limit's
 * `ipv6Subnet` does the same, with the same default). An IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.9`, what a dual-stack socket reports for an IPv4 client) counts as its IPv4
 * address. Logs, the audit log and metrics keep the exact address; only the counting is by network.
 */
import ipaddr from 'ipaddr.js';

/**
 * @param prefix bits of an IPv6 address that name its network (32 to 128; 128 counts each address)
 * @example
 * addressNetwork('2001:db8:1:2a::10', 56) // '2001:db8:1::/56'
 * addressNetwork('::ffff:203.0.113.9', 56) // '203.0.113.9'
 * addressNetwork('unknown', 56) // 'unknown' (anything that is not an address is counted as it is)
 */
export function addressNetwork(address: string, prefix: number): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const bytes = v6.toByteArray();
  for (let bit = prefix; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const network = ipaddr.fromByteArray(bytes).toString();
  return prefix >= 128 ? network : `${network}/${prefix}`;
}
