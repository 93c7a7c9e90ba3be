/**
 * The client's address, for per-address rate limits and logs.
 *
 * Without trusted proxies (THREADGATE_TRUST_PROXY unset or false) it is the TCP peer. Behind
 * proxies it is the right-most address of `X-Forwarded-For` that is not a trusted proxy, walking
 * from the TCP peer leftwards, exactly as Express's `trust proxy` and Fastify's `trustProxy` do
 * (both through proxy-addr; this uses Fastify's fork, @fastify/proxy-addr). A proxy that appends
 * (nginx's `$proxy_add_x_forwarded_for`, cloud load balancers) puts the address it saw on the
 * right, so whatever a client wrote on the left is never taken:
 *
 *   X-Forwarded-For: 10.0.0.7, 203.0.113.9      (client sent "10.0.0.7"; nginx appended 203.0.113.9)
 *   TCP peer: 192.0.2.1 (nginx)  →  one hop trusted  →  client 203.0.113.9
 */
import type { Context } from 'hono';
import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { TrustProxy } from '../../config.js';
import { requestHeader } from '../request-header.js';

type Trust = (address: string, index: number) => boolean;

/** The compiled trust function of each (frozen) configuration value, compiled once. */
const compiled = new WeakMap<TrustProxy, Trust>();

function trustOf(trustProxy: TrustProxy): Trust {
  let trust = compiled.get(trustProxy);
  if (trust === undefined) {
    if ('addresses' in trustProxy) {
      trust = proxyAddr.compile([...trustProxy.addresses]);
    } else {
      // Express's numeric `trust proxy`: the nearest `hops` peers (index 0 is the TCP peer).
      const hops = trustProxy.hops;
      trust = (_address, index) => index < hops;
    }
    compiled.set(trustProxy, trust);
  }
  return trust;
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

function socketAddress(c: Context): string | undefined {
  // @hono/node-server hands the Node request in the bindings; in-process requests
  // (app.request in tests) have no socket.
  return (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
}

/**
 * @example
 * clientAddress(c, { hops: 1 }) // behind one proxy: the address that proxy saw
 */
export function clientAddress(c: Context, trustProxy: TrustProxy): string {
  const peer = socketAddress(c);
  if ('hops' in trustProxy && trustProxy.hops === 0) return peer ?? 'unknown';
  const forwardedFor = requestHeader(c, 'x-forwarded-for');
  if (forwardedFor === undefined) return peer ?? 'unknown';
  // What proxy-addr reads of a Node request: the peer and the (joined) X-Forwarded-For header.
  const request = { socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
  return proxyAddr(request, trustOf(trustProxy)) || 'unknown';
}
